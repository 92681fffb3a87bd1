import numpy as np
import pytest
import torch

from nas_utils.data import TensorLoader, load_dataset
from nas_utils.errors import CheckpointError, UnknownNameError
from nas_utils.search import run_search
from nas_utils.supernets import (
    SUPERNETS, SuperNetEvaluator, build_supernet, load_supernet, profile_macs, save_checkpoint,
)

FAMILIES = ["mbv3_1d", "mbv3_2d", "resnet_1d", "transformer_1d", "wrapped_mlp"]



def _input(net, n=3, seed=0):
    shape = (1, 8, 8) if net.dataset == "digits" else (1, 40)
    return torch.randn(n, *shape, generator=torch.Generator().manual_seed(seed))


def _perturb_bn(net):
    """Give BN buffers non-trivial values so extraction bugs in statistics would show."""
    g = torch.Generator().manual_seed(1)
    for m in net.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_sampled_subnet_matches_the_supernet_and_its_counts(family):
    net = build_supernet(family).eval()
    _perturb_bn(net)
    x = _input(net)
    rng = np.random.default_rng(0)
    X = np.concatenate([net.space.sample(rng, 8), net.space.upper[None], np.zeros((1, net.space.n_var), int)])
    for row in X:
        cfg = net.config_of(row)
        sub = net.subnet(cfg)
        net.set_active(cfg)
        with torch.no_grad():
            assert torch.allclose(net(x), sub(x), atol=1e-5), cfg
        assert sum(p.numel() for p in sub.parameters()) == net.count_params(cfg)
        assert profile_macs(sub, x[:1]) == net.count_macs(cfg)


@pytest.mark.parametrize("family", ["mbv3_1d", "resnet_1d", "transformer_1d"])
def test_largest_config_recovers_the_full_network(family):
    net = build_supernet(family)
    transforms = sum(p.numel() for n, p in net.named_parameters() if ".transforms." in n)
    assert net.count_params(net.largest_config()) == sum(p.numel() for p in net.parameters()) - transforms


def test_inactive_blocks_are_canonicalised():
    net = build_supernet("mbv3_1d")
    a = net.largest_config() | {"d0": 1}
    b = dict(a) | {"k0_2": 3, "e0_2": 2}
    keys = net.space.keys(np.stack([net.space.encode(a), net.space.encode(b)]))
    assert keys[0] == keys[1]
    assert net.canonical(a) == net.canonical(b)


def test_channel_sorting_preserves_the_largest_network():
    net = build_supernet("mbv3_1d").eval()
    _perturb_bn(net)
    x = _input(net)
    with torch.no_grad():
        before = net(x)
        net.sort_channels()
        assert torch.allclose(before, net(x), atol=1e-5)


def test_unknown_family_lists_valid_ones():
    with pytest.raises(UnknownNameError, match="mbv3_1d"):
        build_supernet("vit")
    assert {"mbv3_1d", "resnet_1d", "transformer_1d"} <= set(SUPERNETS.names())


def test_checkpoint_roundtrip_and_clear_errors(tmp_path):
    net = build_supernet("transformer_1d")
    path = tmp_path / "t.pt"
    save_checkpoint(path, net)
    again = load_supernet(path)
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), again.state_dict().values()))
    save_checkpoint(tmp_path / "same.pt", net)  # equal contents, equal bytes (a DVC output's hash)
    assert (tmp_path / "same.pt").read_bytes() == path.read_bytes()
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="corrupt.pt: corrupt"):
        load_supernet(corrupt)
    with pytest.raises(CheckpointError, match="missing.pt: checkpoint file not found"):
        load_supernet(tmp_path / "missing.pt")
    with pytest.raises(CheckpointError, match="t.pt: super-network mismatch: checkpoint is 'transformer_1d'"):
        load_supernet(path, net=build_supernet("resnet_1d"))
    wider = tmp_path / "wider.pt"
    save_checkpoint(wider, build_supernet("transformer_1d", ffn_dims=(32, 64, 256)))
    with pytest.raises(CheckpointError, match=r"wider.pt: search-space mismatch"):
        load_supernet(wider, net=build_supernet("transformer_1d"))
    other = tmp_path / "other.pt"
    save_checkpoint(other, build_supernet("transformer_1d", head_dim=4))
    with pytest.raises(CheckpointError, match=r"other.pt: shape mismatch for '.+': checkpoint \(.*\) vs model"):
        load_supernet(other, net=build_supernet("transformer_1d"))


def test_search_tactics_run_unchanged_on_a_supernet_evaluator():
    d = load_dataset("mnist1d", seed=0, n_samples=300)
    net = build_supernet("wrapped_mlp")
    ev = SuperNetEvaluator(net, TensorLoader(d.x_val, d.y_val, 256), latency="params", calib=d.x_train[:64])
    history = run_search("random", ev, budget=5, seed=0)
    assert len(history) == 5 and {"accuracy", "params"} <= set(history.columns)
    F1 = ev.evaluate(ev.space.upper[None])
    computed = ev.n_computed
    assert np.array_equal(F1, ev.evaluate(ev.space.upper[None])) and ev.n_computed == computed


def test_build_is_seeded_and_leaves_global_rng_alone():
    state = torch.random.get_rng_state()
    a, b = build_supernet("resnet_1d", seed=3), build_supernet("resnet_1d", seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    c = build_supernet("resnet_1d", seed=4)
    assert not torch.equal(a.stem[0].weight, c.stem[0].weight)
