"""Tensors on a GPU, as PyTorch spells them, tested with the CuPy stand-in as "cuda"
(tests/device_arrays.py: it refuses what CuPy refuses): creation on a device, moving between
devices with gradients flowing back, PyTorch's errors for mixing devices and for `.numpy()`,
printing and `item()` copying to the host, backward and double backward on the device, and
the graph letting go of device memory. The real CuPy runs the same claims in test_gpu.py."""

import importlib

import numpy as np
import pytest
from device_arrays import DeviceArray
from error_messages import raises

import autograd_lite as ag

_device = importlib.import_module("autograd_lite.device")

CREATION = {
    "tensor": lambda d: ag.tensor([1.0, 2.0], device=d),
    "zeros": lambda d: ag.zeros(2, 3, device=d),
    "ones": lambda d: ag.ones(2, device=d),
    "empty": lambda d: ag.empty(2, device=d),
    "full": lambda d: ag.full((2,), 7.0, device=d),
    "arange": lambda d: ag.arange(5, device=d),
    "linspace": lambda d: ag.linspace(0, 1, 5, device=d),
    "eye": lambda d: ag.eye(3, device=d),
    "randn": lambda d: ag.randn(2, 3, device=d),
    "rand": lambda d: ag.rand(4, device=d),
    "randint": lambda d: ag.randint(0, 5, (3,), device=d),
    "randperm": lambda d: ag.randperm(5, device=d),
    "normal": lambda d: ag.normal(0.0, 1.0, size=(3,), device=d),
}


# ----- making and moving ---------------------------------------------------------------------

@pytest.mark.parametrize("make", CREATION.values(), ids=CREATION)
def test_every_creation_function_makes_its_tensor_on_the_device(make, standin_cuda):
    cpu, cuda = make("cpu"), make("cuda")
    assert type(cpu.array) is np.ndarray and type(cuda.array) is DeviceArray
    assert cuda.device == ag.device("cuda", 0) and cuda.is_cuda and not cuda.is_cpu
    assert cuda.dtype is cpu.dtype and cuda.shape == cpu.shape
    assert cuda.get_device() == 0 and cpu.get_device() == -1


def test_a_seed_draws_the_same_numbers_on_either_device(standin_cuda):
    ag.manual_seed(3)
    on_cpu = ag.randn(4, 5)
    ag.manual_seed(3)
    on_gpu = ag.randn(4, 5, device="cuda")
    np.testing.assert_array_equal(on_gpu.cpu().numpy(), on_cpu.numpy())


def test_like_functions_follow_their_input_and_the_default_device_the_rest(standin_cuda):
    x = ag.ones(2, 3, device="cuda:1")
    for like in (ag.zeros_like, ag.ones_like, ag.empty_like, ag.randn_like, ag.rand_like):
        assert like(x).device == ag.device("cuda:1")
    assert ag.zeros_like(x, device="cpu").device == ag.device("cpu")
    ag.set_default_device("cuda")
    assert ag.zeros(2).is_cuda and ag.tensor([1.0]).is_cuda
    ag.set_default_device(None)
    assert ag.zeros(2).is_cpu


def test_a_device_array_is_taken_where_it_lives(standin_cuda):
    array = ag.ones(3, device="cuda").array
    assert type(ag.tensor(array).array) is DeviceArray
    assert ag.tensor(array).array is not array  # tensor() copies, as PyTorch's
    assert ag.as_tensor(array).array is array
    assert type(ag.tensor(array, device="cpu").array) is np.ndarray


def test_to_moves_both_ways_and_returns_the_tensor_itself_when_it_is_there(standin_cuda):
    x = ag.tensor([1.0, 2.0])
    g = x.to("cuda")
    assert g.device == ag.device("cuda:0")
    assert g.to("cuda") is g and g.to("cuda:0") is g and x.to("cpu") is x and x.cpu() is x
    assert x.cuda().is_cuda and x.cuda(1).device == ag.device("cuda:1")
    both = x.to("cuda", ag.float64)
    assert both.is_cuda and both.dtype is np.float64
    back = g.cpu()
    assert type(back.array) is np.ndarray and back.tolist() == [1.0, 2.0]
    assert x.to(g).is_cuda  # to(other): other's device and dtype


def test_copy_takes_tensors_and_arrays_from_either_device_into_the_tensors_own(standin_cuda):
    on_cpu, on_gpu = ag.zeros(3), ag.zeros(3, device="cuda")
    on_cpu.copy_(ag.tensor([1.0, 2.0, 3.0], device="cuda").array)
    on_gpu.copy_(np.array([4.0, 5.0, 6.0]))
    on_gpu.copy_(on_gpu.array * 2)  # the tensor's own device, as an optimizer's step copies
    assert type(on_cpu.array) is np.ndarray and on_cpu.tolist() == [1.0, 2.0, 3.0]
    assert type(on_gpu.array) is DeviceArray and on_gpu.tolist() == [8.0, 10.0, 12.0]
    assert on_cpu.copy_(ag.tensor([7.0], device="cuda")).tolist() == [7.0, 7.0, 7.0]
    gpu_values = ag.ones(2, device="cuda").array
    assert type(ag.arrays.like(gpu_values, np.zeros(2))) is np.ndarray


def test_gradients_flow_back_across_a_move(standin_cuda):
    x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    y = (x.to("cuda") ** 2).sum()
    assert y.is_cuda
    y.backward()
    assert type(x.grad.array) is np.ndarray  # the gradient came home with x
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])


# ----- what PyTorch refuses --------------------------------------------------------------------

def test_mixing_devices_raises_pytorchs_error(standin_cuda):
    cpu, gpu = ag.ones(3), ag.ones(3, device="cuda")
    with raises(RuntimeError, "Expected all tensors to be on the same device", "cuda:0", "cpu"):
        cpu + gpu
    with raises(RuntimeError, "Expected all tensors to be on the same device"):
        gpu @ ag.ones(3, 2)
    with raises(RuntimeError, "found at least two devices, cuda:0 and cuda:1"):
        gpu * ag.ones(3, device="cuda:1")


def test_a_cpu_scalar_tensor_meets_any_device_as_in_pytorch(standin_cuda):
    gpu = ag.tensor([1.0, 2.0], device="cuda")
    product = gpu * ag.tensor(3.0)
    assert product.is_cuda and product.cpu().tolist() == [3.0, 6.0]


def test_numpy_of_a_gpu_tensor_raises_and_cpu_numpy_copies(standin_cuda):
    x = ag.tensor([1.0, 2.0], device="cuda")
    with raises(TypeError, "can't convert cuda:0 device type tensor to numpy",
                "Use Tensor.cpu() to copy the tensor to host memory first."):
        x.numpy()
    with pytest.raises(TypeError):
        np.asarray(x)
    np.testing.assert_array_equal(x.cpu().numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(x.numpy(force=True), [1.0, 2.0])


def test_a_device_that_is_not_there_is_refused(standin_cuda):
    with raises(RuntimeError, "invalid device ordinal", "cuda:5", "there are 2"):
        ag.ones(2, device="cuda:5")


def test_without_a_gpu_backend_cuda_is_refused_saying_what_to_install():
    assert not ag.cuda.is_available() and ag.cuda.device_count() == 0
    with raises(RuntimeError, "CUDA is not available", "autograd-lite[gpu]", "No module named"):
        ag.ones(2, device="cuda")


# ----- host copies -----------------------------------------------------------------------------

def test_printing_and_scalars_copy_to_the_host(standin_cuda):
    x = ag.tensor([1.5, 2.0], device="cuda", requires_grad=True)
    assert repr(x) == "tensor([1.5000, 2.0000], device='cuda:0', requires_grad=True)"
    assert repr(ag.tensor([1, 2], device="cuda:1")) == "tensor([1, 2], device='cuda:1')"
    total = x.sum()
    assert total.item() == 3.5 and float(total) == 3.5 and bool(total)
    assert x.tolist() == [1.5, 2.0]


# ----- backward on the device --------------------------------------------------------------------

def _chain(x):
    return ((x * 1.5 + 0.25).sin() * x.exp()).sum()


def test_backward_on_the_device_equals_the_cpu(device):
    values = np.linspace(-1, 1, 7)
    x = ag.tensor(values, requires_grad=True, device=device)
    _chain(x).backward()
    _chain(x).backward()  # accumulates where it lives
    assert x.grad.device == x.device
    reference = ag.tensor(values, requires_grad=True)
    _chain(reference).backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), 2 * reference.grad.numpy(), rtol=1e-14)


def test_double_backward_on_the_device(device):
    x = ag.tensor([0.5, -1.0, 2.0], dtype=ag.float64, requires_grad=True, device=device)
    (first,) = ag.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (second,) = ag.autograd.grad(first.sum(), x)
    assert first.device == second.device == x.device
    np.testing.assert_allclose(second.cpu().numpy(), 6 * np.array([0.5, -1.0, 2.0]))


def test_a_gradient_given_on_another_device_is_refused(standin_cuda):
    y = ag.ones(2, device="cuda", requires_grad=True) * 2
    with raises(RuntimeError, "invalid gradient", "expected device cuda:0 but got cpu"):
        y.backward(ag.ones(2))
    y.backward([1.0, 1.0])  # numbers go where the output is


def test_backward_lets_go_of_large_device_values(standin_cuda):
    x = ag.randn(200, device="cuda", requires_grad=True)
    y = x.exp()
    y.sum().backward()
    assert not isinstance(y.grad_fn.out_data, DeviceArray)  # Released: shape and dtype only
    assert y.grad_fn.out_data.shape == (200,)


# ----- ag.cuda ------------------------------------------------------------------------------

def test_ag_cuda_answers_for_the_backend(standin_cuda):
    assert ag.cuda.is_available() and ag.cuda.is_initialized() and ag.cuda.device_count() == 2
    assert ag.cuda.current_device() == 0 and ag.cuda.get_device_name() == "cuda"
    ag.cuda.synchronize()
    ag.cuda.synchronize("cuda:1")
    with raises(NotImplementedError, "device='cuda:1'"):
        ag.cuda.set_device(1)


def test_a_backend_is_registered_and_removed_in_one_place(standin_cuda):
    assert ag.arrays.is_array(ag.ones(1, device="cuda").array)
    _device.unregister_backend("cuda")
    assert not ag.arrays.is_array(DeviceArray(np.ones(1)))
    with pytest.raises(ValueError, match="cannot be removed"):
        _device.unregister_backend("cpu")


# ----- pictures ------------------------------------------------------------------------------

def _km(device):
    k = ag.tensor(2.0, requires_grad=True, device=device)
    m = ag.tensor(3.0, requires_grad=True, device=device)
    z = (3 * k + 8 * m) * (5 * m + 2)
    z.backward()
    return z


def test_a_gpu_graph_is_explained_and_drawn_as_the_cpu_one(standin_cuda, tmp_path):
    on_cpu, on_gpu = _km("cpu"), _km("cuda")
    assert str(ag.explain(on_gpu)) == str(ag.explain(on_cpu))
    assert "df/dt2 = 136 + 150 = 286" in str(ag.explain(on_gpu))
    for name in ("graph.dot", "page.html"):
        ag.save_graph(on_cpu, tmp_path / f"cpu-{name}")
        ag.save_graph(on_gpu, tmp_path / f"gpu-{name}")
        assert (tmp_path / f"gpu-{name}").read_text() == (tmp_path / f"cpu-{name}").read_text()


def test_number_constants_reach_the_device_without_a_failed_first_try(standin_cuda, monkeypatch):
    function = importlib.import_module("autograd_lite.function")

    def fail(args, op):
        raise AssertionError(f"{op} failed on the device first")
    monkeypatch.setattr(function, "_on_one_device", fail)
    x = ag.randn(4, device="cuda", requires_grad=True)
    y = ((x * 1.0001 + 0.0001).sin() * 2 - 1.5) / 3.0 + x ** 2.0 + 2 ** x + 1 / (x + 5)
    y.sum().backward()
    assert y.dtype is np.float32 and x.grad.is_cuda
