"""nn: a thin neural-network package on top of autograd_lite's public API, with PyTorch's names.

    import autograd_lite as ag
    import nn
    from nn import functional as F

    model = nn.MLP([64, 32, 10], seed=0)
    opt = nn.optim.Adam(model.parameters(), lr=1e-3)
    loss = nn.CrossEntropyLoss()(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()

Modules and layers (`Module`, `Parameter`, `Linear`, `Sequential`, `MLP`, activations), losses,
`functional` (as `F`), `init`, `optim` (with `optim.lr_scheduler`), `data`, checkpoints
(`save` / `load`) and the training loop `fit`.
"""

from . import data, functional, init, optim, utils
from .conv import AvgPool2d, Conv2d, LPPool2d, MaxPool2d
from .io import load, save
from .layers import (
    GELU,
    MLP,
    Dropout,
    Dropout2d,
    Embedding,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ModuleDict,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module, Parameter
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .train import evaluate, fit

__all__ = [
    "MLP", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten",
    "Identity", "KLDivLoss", "L1Loss", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss",
    "Module", "NLLLoss", "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh",
    "data", "evaluate", "fit", "functional", "init", "load", "optim", "save",
    "Conv2d", "MaxPool2d", "AvgPool2d", "LPPool2d",
    "BatchNorm1d", "BatchNorm2d", "Dropout2d", "Embedding", "GELU", "HuberLoss", "LayerNorm",
    "ModuleDict", "ModuleList", "SiLU", "SmoothL1Loss", "Softplus", "utils",
]
