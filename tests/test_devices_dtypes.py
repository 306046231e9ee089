"""PyTorch's dtype and device names, so a ported script runs unchanged: `ag.float`, `ag.long`,
... are NumPy's types; `ag.device` reads, compares and prints as `torch.device`; `device=` is
taken by every creation function ('cpu' works, 'cuda' raises PyTorch's error type saying what
to install); `Tensor.to` takes a dtype, a device, both, or another tensor and returns the
tensor itself when nothing changes, as PyTorch's; `type()`, `cuda()`, `ag.cuda`, the default
device, and `inference_mode`, each compared with PyTorch."""

import pickle

import numpy as np
import pytest
import torch
from error_messages import raises
from torch_reference import assert_same

import autograd_lite as ag
from autograd_lite.device import DeviceUnavailableError

DTYPES = [  # (our name, torch's dtype, NumPy's type)
    ("float", torch.float, np.float32), ("float32", torch.float32, np.float32),
    ("double", torch.double, np.float64), ("float64", torch.float64, np.float64),
    ("half", torch.half, np.float16), ("float16", torch.float16, np.float16),
    ("long", torch.long, np.int64), ("int64", torch.int64, np.int64),
    ("int", torch.int, np.int32), ("int32", torch.int32, np.int32),
    ("short", torch.short, np.int16), ("int16", torch.int16, np.int16),
    ("int8", torch.int8, np.int8), ("uint8", torch.uint8, np.uint8),
    ("bool", torch.bool, np.bool_), ("cfloat", torch.cfloat, np.complex64),
    ("complex128", torch.complex128, np.complex128),
]


@pytest.fixture
def default_device():
    """Restores the default device after a test that changes it."""
    yield
    ag.set_default_device(None)


# ----- dtype names -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, theirs, numpy_type", DTYPES)
def test_pytorch_dtype_names_are_numpy_types(name, theirs, numpy_type):
    ours = getattr(ag, name)
    assert ours is numpy_type
    assert_same(ag.tensor([1, 0], dtype=ours), torch.tensor([1, 0], dtype=theirs))
    assert_same(ag.zeros(2, dtype=ours), torch.zeros(2, dtype=theirs))


@pytest.mark.parametrize("method", ["float", "double", "half", "long", "int", "short", "char",
                                    "byte", "bool"])
def test_conversion_methods_as_pytorch(method):
    data = [[-1.5, 0.0], [2.7, 1.0]]
    assert_same(getattr(ag.tensor(data), method)(), getattr(torch.tensor(data), method)())


def test_long_tensor_from_a_list_is_int64():
    assert ag.tensor([1, 2], dtype=ag.long).dtype == np.int64
    assert ag.tensor([1, 2], dtype=ag.long).dtype is ag.int64


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.int64,
                                   torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool])
def test_type_without_argument_names_the_type_as_pytorch(dtype):
    ours = ag.tensor([1, 0], dtype=getattr(ag, str(dtype).removeprefix("torch.")))
    assert ours.type() == torch.tensor([1, 0], dtype=dtype).type()


def test_type_with_a_dtype_or_a_type_name_casts():
    x = ag.tensor([1.5, 2.5], requires_grad=True)
    assert x.type(ag.float32) is x is x.type("torch.FloatTensor")
    y = x.type(ag.double)
    assert y.dtype is np.float64 and y.grad_fn is not None  # differentiable, as to(dtype)
    assert x.type("torch.LongTensor").tolist() == torch.tensor([1.5, 2.5]).long().tolist()
    with raises(ValueError, "invalid type", "'float'"):
        x.type("float")
    with pytest.raises(ValueError):
        torch.ones(1).type("float")
    with pytest.raises(AssertionError):
        x.type("torch.cuda.FloatTensor")


# ----- Tensor.to ---------------------------------------------------------------------------------

def test_to_returns_the_tensor_itself_when_nothing_changes_as_pytorch():
    x, t = ag.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    for args, kwargs in [(("cpu",), {}), ((ag.device("cpu"),), {}), ((ag.float32,), {}),
                         (("cpu", ag.float32), {}), ((), {"device": "cpu"}),
                         ((), {"dtype": ag.float32, "non_blocking": True}), ((), {})]:
        theirs = tuple(torch.device(str(a)) if isinstance(a, ag.device) else
                       torch.float32 if a is ag.float32 else a for a in args)
        their_kwargs = {k: torch.float32 if v is ag.float32 else v for k, v in kwargs.items()}
        assert t.to(*theirs, **their_kwargs) is t
        assert x.to(*args, **kwargs) is x


def test_to_with_copy_makes_a_differentiable_copy():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cpu", copy=True)
    assert y is not x and not np.shares_memory(y.array, x.array)
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert torch.ones(2).to("cpu", copy=True) is not None


@pytest.mark.parametrize("args, kwargs, dtype", [
    ((ag.float64,), {}, np.float64), (("cpu", ag.float64), {}, np.float64),
    ((ag.device("cpu"), ag.int64), {}, np.int64), ((), {"dtype": ag.float16}, np.float16),
    ((), {"device": "cpu", "dtype": ag.int32}, np.int32), (("float64",), {}, np.float64),
    ((ag.zeros(1, dtype=ag.float64),), {}, np.float64), ((ag.float64, True, False), {}, np.float64),
])
def test_to_takes_pytorchs_forms(args, kwargs, dtype):
    x = ag.tensor([1.5, -2.0])
    y = x.to(*args, **kwargs)
    assert y.dtype is dtype
    assert y.tolist() == np.array([1.5, -2.0]).astype(dtype).tolist()


def test_to_another_dtype_is_differentiable_back_to_the_source_dtype():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(ag.float64)
    (y * y).sum().backward()
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    (t.to(torch.float64) ** 2).sum().backward()
    assert_same(x.grad, t.grad)
    assert not x.to(ag.long).requires_grad and not t.to(torch.long).requires_grad


def test_to_an_unknown_device_or_wrong_combination_raises_as_pytorch():
    x = ag.ones(2)
    with pytest.raises(RuntimeError, match="device type at start of device string: foo"):
        torch.ones(2).to("foo")
    with raises(RuntimeError, "device type at start of device string: foo"):
        x.to("foo")
    with pytest.raises(TypeError):
        torch.ones(2).to("cpu", "cpu")
    with raises(TypeError, "to()"):
        x.to("cpu", "cpu")
    with raises(TypeError, "to()"):
        x.to(ag.float64, ag.float32)
    with raises(TypeError, "twice"):
        x.to(ag.float64, dtype=ag.float32)


# ----- devices -----------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [("cpu",), ("cuda:0",), ("cuda", 1), ("cuda",), ("meta",),
                                  ("cpu", 0), ("mps:2",)])
def test_device_reads_prints_and_compares_as_pytorchs(args):
    ours, theirs = ag.device(*args), torch.device(*args)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    assert ag.device(ours) == ours and hash(ag.device(ours)) == hash(ours)
    assert (ours == str(ours)) == (theirs == str(theirs))  # never equal to a string
    assert pickle.loads(pickle.dumps(ours)) == ours


def test_devices_differ_by_type_and_index_as_pytorchs():
    pairs = [("cuda", "cuda:0"), ("cuda:0", "cuda:1"), ("cpu", "cuda"), ("cuda:1", "cuda:1")]
    for a, b in pairs:
        assert (ag.device(a) == ag.device(b)) == (torch.device(a) == torch.device(b))
    assert ag.device("cuda", 0) == ag.device("cuda:0")


@pytest.mark.parametrize("args, kind, message", [
    (("foo",), RuntimeError, "device type at start of device string: foo"),
    (("CPU",), RuntimeError, "device type at start of device string: CPU"),
    (("cuda:-1",), RuntimeError, "Invalid device string: 'cuda:-1'"),
    (("cuda:x",), RuntimeError, "Invalid device string: 'cuda:x'"),
    (("cpu", -1), RuntimeError, "Device index must not be negative"),
    ((0,), RuntimeError, "Cannot access accelerator device when none is available"),
    ((3.0,), TypeError, "device"),
])
def test_bad_devices_raise_as_pytorch(args, kind, message):
    with pytest.raises(kind):
        torch.device(*args)
    with raises(kind, message):
        ag.device(*args)


def test_tensor_device_is_the_cpu():
    x = ag.tensor([1.0, 2.0])
    assert x.device == ag.device("cpu") and x.device.type == torch.ones(1).device.type
    assert repr(x.device) == repr(torch.ones(1).device) == "device(type='cpu')"
    assert (x.is_cpu, x.is_cuda, x.get_device()) == (True, False, -1)
    assert x.cpu() is x and x.pin_memory() is x and not x.is_pinned()
    t = torch.ones(1)
    assert (t.is_cpu, t.is_cuda, t.get_device()) == (True, False, -1)


CREATIONS = {  # name: a call with device=, on autograd_lite or torch
    "tensor": lambda lib, d: lib.tensor([1.0], device=d),
    "as_tensor": lambda lib, d: lib.as_tensor([1.0], device=d),
    "zeros": lambda lib, d: lib.zeros(2, device=d),
    "ones": lambda lib, d: lib.ones(2, 3, device=d),
    "empty": lambda lib, d: lib.empty(2, device=d),
    "full": lambda lib, d: lib.full((2,), 1.5, device=d),
    "zeros_like": lambda lib, d: lib.zeros_like(lib.ones(2), device=d),
    "ones_like": lambda lib, d: lib.ones_like(lib.ones(2), device=d),
    "empty_like": lambda lib, d: lib.empty_like(lib.ones(2), device=d),
    "full_like": lambda lib, d: lib.full_like(lib.ones(2), 3.0, device=d),
    "arange": lambda lib, d: lib.arange(3, device=d),
    "linspace": lambda lib, d: lib.linspace(0, 1, 5, device=d),
    "eye": lambda lib, d: lib.eye(2, device=d),
    "randn": lambda lib, d: lib.randn(2, device=d),
    "rand": lambda lib, d: lib.rand(2, device=d),
    "randint": lambda lib, d: lib.randint(0, 3, (2,), device=d),
    "randperm": lambda lib, d: lib.randperm(3, device=d),
    "randn_like": lambda lib, d: lib.randn_like(lib.ones(2), device=d),
    "rand_like": lambda lib, d: lib.rand_like(lib.ones(2), device=d),
    "normal": lambda lib, d: lib.normal(0.0, 1.0, size=(2,), device=d),
}


@pytest.mark.parametrize("name", CREATIONS)
def test_every_creation_function_takes_device(name):
    make = CREATIONS[name]
    for device in ("cpu", ag.device("cpu"), None):
        theirs = make(torch, torch.device(str(device)) if isinstance(device, ag.device)
                      else device)
        ours = make(ag, device)
        assert ours.device == ag.device("cpu") and ours.shape == tuple(theirs.shape)
        assert np.dtype(ours.dtype).name == str(theirs.dtype).removeprefix("torch.")
    with pytest.raises(AssertionError, match="not compiled with CUDA"):
        make(torch, "cuda")
    with raises(RuntimeError, "CUDA is not available", "device='cpu'", "autograd-lite[gpu]",
                "ag.cuda.is_available()"):
        make(ag, "cuda")


def test_cuda_raises_pytorchs_error_types_and_says_what_to_do():
    x = ag.ones(2)
    for call in (x.cuda, lambda: x.to("cuda"), lambda: x.to("cuda:1", ag.float64),
                 lambda: x.cuda(0), lambda: ag.Generator(device="cuda")):
        with pytest.raises(AssertionError):  # as PyTorch's CPU build: "Torch not compiled ..."
            call()
        with raises(RuntimeError, "CUDA is not available", "autograd-lite[gpu]"):
            call()
    with pytest.raises(AssertionError):
        torch.ones(2).cuda()
    with raises(DeviceUnavailableError, "'meta' is not supported", "'cpu'"):
        ag.zeros(2, device="meta")


def test_ag_cuda_answers_as_pytorch_without_a_gpu():
    assert ag.cuda.is_available() is torch.cuda.is_available() is False
    assert ag.cuda.device_count() == torch.cuda.device_count() == 0
    for quiet in ("manual_seed", "manual_seed_all"):  # no-ops, as PyTorch's without CUDA
        assert getattr(ag.cuda, quiet)(0) is getattr(torch.cuda, quiet)(0) is None
    assert ag.cuda.empty_cache() is torch.cuda.empty_cache() is None
    for needs_gpu in ("current_device", "synchronize"):
        with pytest.raises(AssertionError):
            getattr(torch.cuda, needs_gpu)()
        with raises(AssertionError, "CUDA is not available"):
            getattr(ag.cuda, needs_gpu)()
    device = "cuda" if ag.cuda.is_available() else "cpu"
    assert ag.zeros(2, device=device).device.type == "cpu"


def test_default_device_is_the_cpu_and_settable_to_it(default_device):
    assert repr(ag.get_default_device()) == repr(torch.get_default_device())
    ag.set_default_device("cpu")
    assert ag.get_default_device() == ag.device("cpu")
    assert ag.zeros(1).device == ag.device("cpu")
    with raises(RuntimeError, "CUDA is not available"):
        ag.set_default_device("cuda")
    assert ag.get_default_device() == ag.device("cpu")
    ag.set_default_device(None)
    assert repr(ag.get_default_device()) == "device(type='cpu')"


# ----- size=, empty, new_* -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "randn", "rand"])
def test_size_keyword_as_pytorch(name):
    for size in ((2, 3), [4], ()):
        ours, theirs = getattr(ag, name)(size=size), getattr(torch, name)(size=size)
        assert ours.shape == tuple(theirs.shape)
        assert np.dtype(ours.dtype).name == str(theirs.dtype).removeprefix("torch.")
    assert getattr(ag, name)(size=5).shape == (5,)  # (PyTorch wants a tuple here)
    with pytest.raises(TypeError):
        getattr(torch, name)(2, size=(2,))
    with raises(TypeError, f"{name}()", "twice"):
        getattr(ag, name)(2, size=(2,))
    with raises(RuntimeError, "negative dimension -1"):
        getattr(ag, name)(size=(-1, 2))
    assert ag.full(size=(2,), fill_value=3.0).tolist() == [3.0, 3.0]


def test_empty_as_pytorch():
    assert ag.empty(2, 3).shape == (2, 3) and ag.empty(2, 3).dtype is np.float32
    assert ag.empty((), dtype=ag.long).shape == () and ag.empty((), dtype=ag.long).dtype is np.int64
    with pytest.raises(TypeError):
        torch.empty()
    with raises(TypeError, "empty()", "size"):
        ag.empty()
    assert ag.empty(2, requires_grad=True).requires_grad


def test_new_factories_keep_the_dtype_as_pytorch():
    x, t = ag.ones(2, dtype=ag.float64), torch.ones(2, dtype=torch.float64)
    assert_same(x.new_zeros(2, 3), t.new_zeros(2, 3))
    assert_same(x.new_ones((3,)), t.new_ones((3,)))
    assert_same(x.new_full((2,), 7), t.new_full((2,), 7))
    assert_same(x.new_tensor([1, 2]), t.new_tensor([1, 2]))
    assert_same(x.new_zeros(2, dtype=ag.long), t.new_zeros(2, dtype=torch.long))
    assert x.new_empty(4).shape == (4,)


# ----- inference_mode ----------------------------------------------------------------------------

def modes(lib):
    return lib.is_grad_enabled(), lib.is_inference_mode_enabled()


def test_inference_mode_turns_grad_off_as_pytorch():
    for lib in (torch, ag):
        assert modes(lib) == (True, False)
        with lib.inference_mode():
            assert modes(lib) == (False, True)
            with lib.inference_mode(False):  # turns grad back on, as PyTorch does
                assert modes(lib) == (True, False)
            with lib.no_grad():
                assert modes(lib) == (False, True)
        with lib.no_grad(), lib.inference_mode(False):
            assert modes(lib) == (True, False)
        assert modes(lib) == (True, False)


def test_inference_mode_records_no_graph():
    w = ag.ones(2, requires_grad=True)
    with ag.inference_mode():
        y = (w * 2).sum()
    assert not y.requires_grad and y.grad_fn is None
    assert (w * 2).sum().requires_grad


@pytest.mark.parametrize("lib", [torch, ag], ids=["torch", "ag"])
def test_inference_mode_as_a_decorator_bare_or_called(lib):
    @lib.inference_mode
    def bare():
        return modes(lib)

    @lib.inference_mode()
    def called():
        return modes(lib)

    @lib.inference_mode(False)
    def off():
        return modes(lib)

    assert bare() == called() == (False, True)
    assert off() == (True, False)
    assert bare.__name__ == "bare" and modes(lib) == (True, False)


def test_inference_mode_restores_the_modes_after_an_exception():
    with pytest.raises(ValueError), ag.inference_mode():
        raise ValueError
    assert modes(ag) == (True, False)
