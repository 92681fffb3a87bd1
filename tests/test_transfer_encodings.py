import numpy as np

from nas_utils.spaces import get_space
from nas_utils.transfer.encodings import cost_features, fbnet_graph, nb201_graph


def _adj(edges, n=8):
    a = np.zeros((n, n), dtype=np.float32)
    for i, j in edges:
        a[i, j] = 1
    return a


FULL = [(0, 1), (0, 2), (0, 4), (1, 3), (1, 5), (2, 6), (3, 6), (4, 7), (5, 7), (6, 7)]


def test_unpruned_graph_is_the_op_on_node_dag_for_any_cell():
    space = get_space("nb201")
    x = space.from_string("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|none~2|")
    g = nb201_graph(x[None])
    np.testing.assert_array_equal(g.adj[0], _adj(FULL))
    assert g.ops[0].tolist() == [0, 5, 2, 3, 6, 4, 2, 1]  # input, e0..e5 as 2 + op index, output
    assert g.mask.all()


def test_pruned_graph_cuts_none_and_bypasses_skip():
    space = get_space("nb201")
    # e0 conv3 (node1), e1 none (node2), e2 skip (node3), e3 pool (node4), e4 conv1 (node5), e5 conv3 (node6)
    x = space.from_string("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|nor_conv_3x3~2|")
    g = nb201_graph(x[None], prune=True)
    # node2 (none) removed; node3 (skip) bypassed: 1 -> 6 directly
    expected = _adj([(0, 1), (0, 4), (1, 5), (1, 6), (4, 7), (5, 7), (6, 7)])
    np.testing.assert_array_equal(g.adj[0], expected)
    assert g.mask[0].tolist() == [True, True, False, False, True, True, True, True]


def test_pruned_graph_masks_dead_branches_and_skip_chains():
    space = get_space("nb201")
    # all edges into node 3 are none except e5; node 2 only receives none -> whole cell dead
    dead = space.from_string("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|")
    g = nb201_graph(dead[None], prune=True)
    assert g.adj[0].sum() == 0 and g.mask[0].tolist() == [True] + [False] * 6 + [True]
    # skip chain: e0 skip, e4 skip -> input wired straight to output
    chain = space.from_string("|skip_connect~0|+|none~0|none~1|+|none~0|skip_connect~1|none~2|")
    g = nb201_graph(chain[None], prune=True)
    np.testing.assert_array_equal(g.adj[0], _adj([(0, 7)]))


def test_isomorphic_pruned_cells_share_a_key():
    space = get_space("nb201")
    a = space.from_string("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")
    b = space.from_string("|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")  # dead node1 op differs
    keys = nb201_graph(np.stack([a, b]), prune=True).keys()
    assert keys[0] == keys[1]
    assert len(set(nb201_graph(np.stack([a, b])).keys())) == 2


def test_fbnet_chain():
    g = fbnet_graph(np.zeros((2, 22), dtype=np.int64))
    assert g.adj.shape == (2, 24, 24) and g.adj[0].sum() == 23 and g.adj[0, 5, 6] == 1


def test_cost_features_order_ops_sensibly():
    X = np.array([[3] * 6, [2] * 6, [1] * 6, [0] * 6])  # conv3x3, conv1x1, skip, none
    macs, params = cost_features("nb201", X).T
    assert macs[0] > macs[1] > macs[2] == macs[3]
    fb = cost_features("fbnet", np.array([[3] * 22, [0] * 22, [8] * 22]))  # k3_e6, k3_e1, skip
    assert fb[0, 0] > fb[1, 0] > fb[2, 0] > 0
