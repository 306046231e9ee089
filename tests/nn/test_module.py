"""Module, Parameter, the layers, nn.init and F.linear."""

from __future__ import annotations

import copy
import math
from collections import OrderedDict

import numpy as np
import pytest

import autograd_lite as ag
import nn
from nn import functional as F


class Affine(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(ag.ones(3))
        self.shift = nn.Parameter(ag.zeros(3))
        self.note = "not a parameter"

    def forward(self, x):
        return x * self.scale + self.shift


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4, seed=0), nn.ReLU())
        self.head = Affine()
        self.register_buffer("count", ag.zeros(1))
        self.register_buffer("scratch", ag.zeros(2), persistent=False)

    def forward(self, x):
        return self.head(self.body(x)[:, :3])


# ----- Parameter ---------------------------------------------------------------------------------

def test_parameter_is_a_tensor_that_requires_grad():
    p = nn.Parameter(ag.zeros(2))
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == "Parameter containing:\ntensor([0., 0.], requires_grad=True)"
    assert not nn.Parameter(ag.zeros(2), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)


def test_parameter_shares_memory_with_its_source():
    array = np.zeros(3, np.float32)
    p = nn.Parameter(array)
    array[0] = 5
    assert p.array[0] == 5
    t = ag.ones(2)
    assert np.shares_memory(nn.Parameter(t).array, t.array)


def test_parameter_gradients_flow():
    p = nn.Parameter(ag.tensor([1.0, 2.0]))
    (p * p).sum().backward()
    np.testing.assert_allclose(p.grad.array, [2.0, 4.0])


# ----- registration and traversal ----------------------------------------------------------------

def test_registration_by_attribute():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["body.0.weight", "body.0.bias", "head.scale", "head.shift"]
    assert [name for name, _ in net.named_children()] == ["body", "head"]
    assert [name for name, _ in net.named_modules()] == ["", "body", "body.0", "body.1", "head"]
    assert len(list(net.parameters())) == 4 and len(list(net.modules())) == 5
    assert [name for name, _ in net.named_buffers()] == ["count", "scratch"]
    assert list(net.state_dict()) == ["count", "body.0.weight", "body.0.bias", "head.scale",
                                      "head.shift"]
    assert net.head.note == "not a parameter"
    assert list(net.head.parameters(recurse=False))[0] is net.head.scale
    assert list(net.parameters(recurse=False)) == []


def test_reassignment_and_deletion():
    m = Affine()
    m.scale = None
    assert [name for name, _ in m.named_parameters()] == ["shift"]
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'scale'"):
        m.scale = ag.ones(3)
    m.extra = nn.Linear(2, 2)
    del m.extra
    assert list(m.children()) == []
    with pytest.raises(AttributeError, match="'Affine' object has no attribute 'missing'"):
        m.missing  # noqa: B018


def test_shared_parameters_are_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_assigning_before_init_is_an_error():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ag.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Broken()


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(ag.zeros(1))


def test_train_eval_and_apply():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Sequential", "Affine", "Net"]


def test_zero_grad_and_requires_grad():
    net = Net()
    net(ag.ones(2, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.array == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_double_keeps_the_parameter_objects():
    net = Net()
    weight = net.body[0].weight
    net.double()
    assert net.body[0].weight is weight and weight.dtype is np.float64
    assert net(ag.ones(2, 3, dtype=ag.float64)).dtype is np.float64


def test_deepcopy():
    model = nn.MLP([2, 3, 1], seed=0)
    clone = copy.deepcopy(model)
    with ag.no_grad():
        clone[0].weight.fill_(0.0)
    assert not np.all(model[0].weight.array == 0)
    assert isinstance(clone[0].weight, nn.Parameter)


# ----- state dicts -------------------------------------------------------------------------------

def test_state_dict_shares_memory_and_is_detached():
    model = nn.MLP([4, 8, 3], seed=0)
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [tuple(v.shape) for v in state.values()] == [(8, 4), (8,), (3, 8), (3,)]
    assert not any(v.requires_grad for v in state.values())
    assert np.shares_memory(state["0.weight"].array, model[0].weight.array)


def test_load_state_dict_round_trip_from_arrays_and_tensors():
    source, target = nn.MLP([4, 8, 3], seed=0), nn.MLP([4, 8, 3], seed=1)
    arrays = {k: v.numpy().astype(np.float64) for k, v in source.state_dict().items()}
    result = target.load_state_dict(arrays)
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = ag.randn(5, 4)
    np.testing.assert_array_equal(target(x).array, source(x).array)
    assert target[0].weight.dtype is np.float32  # cast to the parameter's dtype
    target.load_state_dict(nn.MLP([4, 8, 3], seed=2).state_dict())
    assert not np.array_equal(target(x).array, source(x).array)


def test_load_state_dict_reports_every_problem_at_once():
    model = nn.MLP([4, 8, 3])
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    state["0.weight"] = np.zeros((3, 4))
    del state["2.bias"]
    state["4.weight"] = np.zeros(1)
    before = model[0].weight.array.copy()
    with pytest.raises(RuntimeError, match=r"Error\(s\) in loading state_dict for MLP") as error:
        model.load_state_dict(state)
    assert str(error.value) == (
        "Error(s) in loading state_dict for MLP:\n"
        '\tMissing key(s) in state_dict: "2.bias". \n'
        '\tUnexpected key(s) in state_dict: "4.weight". \n'
        "\tsize mismatch for 0.weight: copying a param with shape (3, 4) from checkpoint, "
        "the shape in current model is (8, 4).")
    np.testing.assert_array_equal(model[0].weight.array, before)  # nothing was copied


def test_load_state_dict_non_strict():
    model = nn.MLP([4, 8, 3])
    partial = {"0.weight": np.ones((8, 4)), "extra": np.ones(1)}
    result = model.load_state_dict(partial, strict=False)
    assert result.missing_keys == ["0.bias", "2.weight", "2.bias"]
    assert result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(model[0].weight.array, 1.0)
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        model.load_state_dict({"0.weight": np.ones((4, 8))}, strict=False)
    with pytest.raises(RuntimeError, match='parameter named "0.bias"'):
        model.load_state_dict({"0.bias": "nope"}, strict=False)


def test_load_state_dict_is_not_recorded_and_bumps_versions():
    model = nn.Linear(2, 1)
    out = model(ag.ones(1, 2)).sum()
    model.load_state_dict({"weight": np.zeros((1, 2)), "bias": np.zeros(1)})
    assert model.weight.grad_fn is None and model.weight.requires_grad
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()


# ----- repr --------------------------------------------------------------------------------------

def test_repr_is_pytorch_like():
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.1),
                          nn.Sequential(nn.LeakyReLU(0.2), nn.Flatten()),
                          nn.Softmax(dim=1))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=64, out_features=64, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.1, inplace=False)\n"
        "  (3): Sequential(\n"
        "    (0): LeakyReLU(negative_slope=0.2)\n"
        "    (1): Flatten(start_dim=1, end_dim=-1)\n"
        "  )\n"
        "  (4): Softmax(dim=1)\n"
        ")")
    assert repr(nn.Linear(3, 2, bias=False)) == "Linear(in_features=3, out_features=2, bias=False)"


# ----- layers ------------------------------------------------------------------------------------

def test_linear_shapes_and_default_init_bounds():
    layer = nn.Linear(64, 10, seed=0)
    assert layer.weight.shape == (10, 64) and layer.bias.shape == (10,)
    bound = 1 / math.sqrt(64)
    assert np.abs(layer.weight.array).max() <= bound and np.abs(layer.bias.array).max() <= bound
    assert np.abs(layer.weight.array).max() > 0.9 * bound  # uses the whole range
    assert layer.weight.dtype is np.float32
    assert layer(ag.ones(32, 64)).shape == (32, 10)
    assert layer(ag.ones(2, 5, 64)).shape == (2, 5, 10)
    assert layer(ag.ones(64)).shape == (10,)
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=ag.float64).weight.dtype is np.float64


def test_linear_input_error_names_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"^Linear\(in_features=64, out_features=10, "
                                         r"bias=True\): expected input with last dimension 64, "
                                         r"got shape \(32, 10\)$"):
        nn.Linear(64, 10)(ag.zeros(32, 10))


@pytest.mark.parametrize("size, error", [(4.5, TypeError), (-1, RuntimeError)])
def test_linear_sizes_must_be_non_negative_ints(size, error):
    with pytest.raises(error, match="Linear: in_features must be"):
        nn.Linear(size, 3)


def test_seeds_and_the_default_generator_are_reproducible():
    np.testing.assert_array_equal(nn.Linear(5, 3, seed=7).weight.array,
                                  nn.Linear(5, 3, seed=7).weight.array)
    ag.manual_seed(123)
    first = [p.array.copy() for p in nn.MLP([3, 5, 2]).parameters()]
    ag.manual_seed(123)
    second = [p.array.copy() for p in nn.MLP([3, 5, 2]).parameters()]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(nn.Linear(5, 3).weight.array, nn.Linear(5, 3).weight.array)


def test_a_layer_takes_a_negative_seed_as_pytorch_does():
    assert nn.Linear(3, 2, seed=-5).weight.shape == (2, 3)


def test_sequential_container():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(model) == 3 and isinstance(model[0], nn.Linear) and isinstance(model[-1],
                                                                              nn.Linear)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is model[0]
    assert head(ag.ones(4, 2)).shape == (4, 3)
    model.append(nn.Sigmoid())
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]
    model[0] = nn.Linear(2, 3, bias=False)  # replaced in place, order kept
    assert list(model.state_dict()) == ["0.weight", "2.weight", "2.bias"]
    with pytest.raises(IndexError, match="out of range"):
        model[10]  # noqa: B018
    with pytest.raises(TypeError, match="is not a Module"):
        nn.Sequential(nn.ReLU(), lambda x: x)


def test_sequential_insert_out_of_range_raises_index_error():
    stack = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    with pytest.raises(IndexError, match="Sequential.insert: index 4 is out of range for length 3"):
        stack.insert(4, nn.Tanh())


def test_mlp_structure():
    model = nn.MLP([4, 8, 8, 3], activation="tanh", output_activation="sigmoid", seed=0)
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear", "Tanh", "Linear",
                                                 "Sigmoid"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias",
                                        "4.weight", "4.bias"]
    assert isinstance(model, nn.Sequential)
    assert repr(model).startswith("MLP(\n  (0): Linear(in_features=4, out_features=8")
    leaky = nn.MLP([2, 3, 1], activation=lambda: nn.LeakyReLU(0.2))
    assert leaky[1].negative_slope == 0.2
    assert isinstance(nn.MLP([2, 3, 1], activation=nn.ReLU)[1], nn.ReLU)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.MLP([2, 3, 1], activation="swish")
    with pytest.raises(ValueError, match="at least two"):
        nn.MLP([3])


def test_activations_against_numpy():
    x = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    t = ag.tensor(x)
    np.testing.assert_allclose(nn.ReLU()(t).array, np.maximum(x, 0))
    np.testing.assert_allclose(nn.LeakyReLU(0.1)(t).array, np.where(x > 0, x, 0.1 * x))
    np.testing.assert_allclose(nn.Sigmoid()(t).array, 1 / (1 + np.exp(-x)), rtol=1e-6)
    np.testing.assert_allclose(nn.Tanh()(t).array, np.tanh(x), rtol=1e-6)
    softmax = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(nn.Softmax(dim=1)(t).array, softmax, rtol=1e-6)
    np.testing.assert_allclose(nn.LogSoftmax(dim=-1)(t).array, np.log(softmax), rtol=1e-6)
    assert nn.Identity()(t) is t
    assert nn.Flatten()(ag.zeros(2, 3, 4)).shape == (2, 12)
    assert nn.Flatten(0, 1)(ag.zeros(2, 3, 4)).shape == (6, 4)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        nn.Softmax()(t)


def test_dropout():
    drop = nn.Dropout(0.25, seed=0)
    x = ag.ones(1000, 100)
    out = drop(x).array
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.01
    assert abs(out.mean() - 1.0) < 0.02  # inverted: the expectation is unchanged
    assert drop.eval()(x) is x
    assert np.all(F.dropout(x, 1.0).array == 0) and F.dropout(x, 0.0) is x
    ag.manual_seed(3)
    first = nn.Dropout(0.5)(x).array
    ag.manual_seed(3)
    np.testing.assert_array_equal(first, nn.Dropout(0.5)(x).array)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_gradient_uses_the_same_mask():
    x = ag.ones(50, requires_grad=True)
    out = F.dropout(x, 0.5, seed=1)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.array, out.array)


# ----- F.linear ----------------------------------------------------------------------------------

def test_linear_matches_numpy_and_supports_batches_and_no_bias():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 5, 3)), rng.normal(size=(4, 3)), rng.normal(size=4)
    out = F.linear(ag.tensor(x), ag.tensor(w), ag.tensor(b))
    np.testing.assert_allclose(out.array, x @ w.T + b, rtol=1e-12)
    np.testing.assert_allclose(F.linear(ag.tensor(x), ag.tensor(w)).array, x @ w.T, rtol=1e-12)
    assert F.linear(ag.tensor(x[0, 0]), ag.tensor(w)).shape == (4,)
    assert F.linear(ag.tensor(x), ag.tensor(w), ag.tensor(b)).grad_fn is None


@pytest.mark.parametrize("x_shape", [(3,), (5, 3), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck_and_gradgradcheck(x_shape, bias):
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.normal(size=x_shape), requires_grad=True)
    w = ag.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    b = ag.tensor(rng.normal(size=2), requires_grad=True) if bias else None
    inputs = (x, w, b) if bias else (x, w)

    def fn(*args):
        return F.linear(*args)

    assert ag.gradcheck(fn, inputs)
    assert ag.gradgradcheck(fn, inputs)
    # and through a nonlinearity, where the second derivative is not zero
    assert ag.gradgradcheck(lambda *args: F.linear(*args).tanh(), inputs)


def test_linear_is_one_op():
    out = F.linear(ag.ones(2, 3), nn.Parameter(ag.ones(4, 3)), nn.Parameter(ag.ones(4)))
    assert out.grad_fn.name() == "LinearBackward"


def test_linear_argument_errors():
    with pytest.raises(ValueError, match="in_features=3"):
        F.linear(ag.ones(2, 4), ag.ones(5, 3))
    with pytest.raises(ValueError, match=r"bias must have shape \(5,\)"):
        F.linear(ag.ones(2, 3), ag.ones(5, 3), ag.ones(3))


# ----- nn.init -----------------------------------------------------------------------------------

def test_calculate_gain():
    assert nn.init.calculate_gain("linear") == 1.0
    assert nn.init.calculate_gain("sigmoid") == 1.0
    assert nn.init.calculate_gain("tanh") == 5 / 3
    assert nn.init.calculate_gain("relu") == math.sqrt(2)
    assert nn.init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01 ** 2))
    assert nn.init.calculate_gain("leaky_relu", math.sqrt(5)) == math.sqrt(1 / 3)
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        nn.init.calculate_gain("swish")


def test_fans_follow_pytorch():
    fans = nn.init._calculate_fan_in_and_fan_out
    assert fans(ag.zeros(8, 4)) == (4, 8)
    assert fans(ag.zeros(16, 3, 5, 5)) == (75, 400)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        fans(ag.zeros(3))


@pytest.mark.parametrize("name, kwargs, check", [
    ("uniform_", {"a": -2.0, "b": 3.0}, lambda v: (v.min() >= -2) and (v.max() <= 3)),
    ("normal_", {"mean": 1.0, "std": 2.0},
     lambda v: abs(v.mean() - 1) < 0.05 and abs(v.std() - 2) < 0.05),
    ("xavier_uniform_", {"gain": 2.0},
     lambda v: np.abs(v).max() <= 2 * math.sqrt(6 / (200 + 100))),
    ("xavier_normal_", {}, lambda v: abs(v.std() - math.sqrt(2 / 300)) < 0.003),
    ("kaiming_uniform_", {"nonlinearity": "relu"},
     lambda v: np.abs(v).max() <= math.sqrt(2) * math.sqrt(3 / 100)),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"},
     lambda v: abs(v.std() - math.sqrt(2 / 200)) < 0.003),
])
def test_random_initialisers(name, kwargs, check):
    fn = getattr(nn.init, name)
    weight = nn.Parameter(ag.zeros(200, 100))
    assert fn(weight, seed=0, **kwargs) is weight
    assert check(weight.array.astype(np.float64)) and weight.requires_grad
    assert weight.grad_fn is None
    again = nn.Parameter(ag.zeros(200, 100))
    fn(again, generator=np.random.default_rng(0), **kwargs)
    np.testing.assert_array_equal(weight.array, again.array)
    ag.manual_seed(5)
    fn(weight, **kwargs)
    ag.manual_seed(5)
    fn(again, **kwargs)
    np.testing.assert_array_equal(weight.array, again.array)


def test_constant_initialisers():
    w = nn.Parameter(ag.ones(2, 2))
    nn.init.zeros_(w)
    assert np.all(w.array == 0)
    nn.init.ones_(w)
    assert np.all(w.array == 1)
    nn.init.constant_(w, 0.5)
    assert np.all(w.array == 0.5)
    with pytest.raises(ValueError, match="not both"):
        nn.init.normal_(w, generator=np.random.default_rng(0), seed=1)
