# Copyright (c) aclnet-mm contributors. All rights reserved.
"""``tools/benchmark.py`` at tiny sizes: structure of its JSON and tables.

No timing is asserted: the figures depend on the machine.
"""
import json

import numpy as np
import pytest
from tool_scripts import load_tool

benchmark = load_tool('benchmark.py')
to_markdown = benchmark.to_markdown

_TINY = ('--batch-sizes', '2', '--num-classes', '12', '--frames', '4',
         '--raw-frames', '10', '--base-channels', '8', '--queue-size', '8',
         '--refresh-classes', '12', '20', '--streams', 'j', 'km',
         '--pipeline-samples', '2', '--warmup', '1', '--steps', '2',
         '--threads', '1')


@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory, run_tool):
    out = tmp_path_factory.mktemp('bench')
    json_path, md_path = out / 'bench.json', out / 'bench.md'
    stdout = run_tool('benchmark', *_TINY, '--json', json_path, '--markdown',
                      md_path)
    return stdout, json.loads(json_path.read_text()), md_path.read_text()


def test_json_structure(tiny_run):
    _, results, _ = tiny_run
    assert results['config']['device'] == 'cpu'
    assert results['machine']['threads'] == 1

    (train, ) = results['train']
    assert (train['batch_size'], train['num_classes']) == (2, 12)
    for name in ('ce', 'aclnet', 'protogcn'):
        assert train[f'{name}_step_ms'] > 0
        assert train[f'{name}_flops'] > 0
        assert train[f'{name}_tflops_per_s'] == pytest.approx(
            train[f'{name}_flops'] / train[f'{name}_step_ms'] / 1e9)
        assert train[f'{name}_peak_mb'] > 0
        assert train[f'{name}_compile'] == 'off'
    # The contrastive losses add FLOPs but no host read to the CE step.
    assert train['aclnet_flops'] > train['ce_flops']
    assert train['aclnet_host_reads'] == train['ce_host_reads']
    assert (train['overhead_pct_q1'] <= train['overhead_pct'] <=
            train['overhead_pct_q3'])
    # ProtoGCN adds the reconstruction and its loss, and no host read.
    assert train['protogcn_flops'] > train['ce_flops']
    assert train['protogcn_host_reads'] == train['ce_host_reads']
    assert (train['protogcn_overhead_pct_q1'] <= train['protogcn_overhead_pct']
            <= train['protogcn_overhead_pct_q3'])
    assert train['infer_samples_per_s'] == pytest.approx(2e3 /
                                                         train['infer_ms'])

    (rec, ) = results['reconstruction']
    assert rec['batch_size'] == 2
    assert rec['batched_ms'] > 0 and rec['per_sample_ms'] > 0
    assert rec['speedup'] > 0

    (aux, ) = results['aux_losses']
    assert aux['aux_ms'] > 0 and aux['host_reads'] == 0
    assert [r['num_classes'] for r in results['refresh']] == [12, 20]
    assert [(r['stream'], r['prenorm'])
            for r in results['pipeline']] == [('j', 'FastPreNormalize3D'),
                                              ('km', 'FastPreNormalize3D'),
                                              ('j', 'PreNormalize3D')]
    assert all(r['samples_per_s'] > 0 for r in results['pipeline'])
    assert results['reference_h100']['aclnet_step_ms']['16x60'] == 107.


def test_markdown_tables(tiny_run):
    stdout, results, markdown = tiny_run
    assert markdown.strip() == to_markdown(results).strip()
    assert markdown.strip() in stdout
    for header in ('(a) CE step ms', '(b) ACLNet step ms',
                   '(g) ProtoGCN step ms', '(g)/(a) - 1 % (paired median)',
                   '(b)/(a) - 1 % (paired median)', 'quartiles %',
                   '(c) aux losses ms', '(d) refresh ms',
                   '(h) reconstruction ms, batched',
                   '(e) samples/s per worker', '(f) infer samples/s'):
        assert header in markdown
    rows = [line for line in markdown.splitlines() if line.startswith('|')]
    # Six tables (training steps, ProtoGCN's step, aux losses,
    # reconstruction, refresh, pipeline): header and rule each, then
    # 1 + 1 + 1 + 1 + 2 + 3 rows.
    assert len(rows) == 6 * 2 + 9
    assert all(row.count('|') == rows[0].count('|') for row in rows[:3])


def test_paired_overhead_is_the_median_of_per_step_ratios():
    # Load drifts: step 3 is slow for both. Ratios 1.1, 1.0, 1.05, 1.2.
    base = [100., 200., 400., 100.]
    other = [110., 200., 420., 120.]
    out = benchmark.paired_overhead_pct(base, other)
    assert out['overhead_pct'] == pytest.approx(7.5)  # median(1.05, 1.1)
    assert out['overhead_pct_q1'] == pytest.approx(3.75)
    assert out['overhead_pct_q3'] == pytest.approx(12.5)
    # The ratio of the medians would mix steps of different load.
    assert 100 * (np.median(other) / np.median(base) - 1) == pytest.approx(
        100 / 15)
