# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The main job on the embedded real data: ``make demo``.

It prepares the pose-classification-kit BODY-25 set when missing, trains a
CE-only baseline and ACLNet with the same backbone, data and budget, tests
both on the held-out test split with the LAST checkpoint (no selection on
test data), prints the superclasses ACLNet found by class name and ends
with ``top1_acc: <value>`` of ACLNet. Each run is a real
``tools/train.py`` / ``tools/test.py`` process, as a user would start it;
their full logs are kept in the work directory.

The figures it prints are the same on every run and on every x86-64
machine with AVX2: the configs fix the seed and ask for deterministic
algorithms, and each run gets a thread count set here (``--threads``,
default 1), never the one the shell happens to export, since a different
thread count sums in a different order and rounds differently; for the
same reason its kernel libraries (ATen, oneDNN, MKL) are held to one
instruction set (``--isa``, default avx2; see
:data:`aclnet_mm.utils.logged_run.PINNED_ISA_ENV`). Other BLAS builds may
still round differently.

One run per config is one draw: next to it the demo prints the multi-seed
result of ``make ablation`` recorded in ``docs/advanced_guides/ablation.md``
(:func:`ablation_summary`).

Run it from the repository root: ``python tools/run_demo.py``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional, Sequence

from aclnet_mm.apis.cli_errors import one_line_errors
from aclnet_mm.evaluation.functional import (load_stream_scores,
                                             mean_class_accuracy,
                                             top_k_accuracy)
from aclnet_mm.utils.logged_run import (DEFAULT_ISA, PINNED_ISA_ENV,
                                        check_pinned_isa, deterministic_env,
                                        run_logged)

__all__ = [
    'DEMO_RUNS', 'ABLATION_DOC', 'ABLATION_MARKER', 'parse_args',
    'ensure_embedded_data', 'format_superclasses', 'format_results',
    'ablation_summary', 'main'
]

_CONFIG_DIR = osp.join('configs', 'aclnet')
#: (name, config) of the two runs, compared at the same budget.
DEMO_RUNS = (
    ('ce',
     osp.join(_CONFIG_DIR, 'aclgcn_1xb16_joint_u24_30e_'
              'body25_embedded_keypoint_2d.py')),
    ('aclnet',
     osp.join(
         _CONFIG_DIR, 'aclnet_aclgcn_1xb16_joint_u24_30e_'
         'body25_embedded_keypoint_2d.py')),
)
ANN_FILE = osp.join('data', 'embedded', 'body25_2d.pkl')
TOOLS_DIR = osp.dirname(osp.abspath(__file__))
#: The document of the multi-seed comparison and the marker of its
#: machine-readable block (an HTML comment holding JSON).
ABLATION_DOC = osp.join(
    osp.dirname(TOOLS_DIR), 'docs', 'advanced_guides', 'ablation.md')
ABLATION_MARKER = 'aclnet-mm:ablation-summary'


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line of the demo."""
    parser = argparse.ArgumentParser(
        description='Train CE-only and ACLNet on the embedded real data '
        'and compare them on its test split')
    parser.add_argument(
        '--work-dir',
        default=osp.join('work_dirs', 'demo'),
        help='where logs, checkpoints and dumps go')
    parser.add_argument(
        '--epochs',
        type=int,
        default=None,
        help='override the epoch count of both configs')
    parser.add_argument(
        '--sequential',
        action='store_true',
        help='one training at a time (default: the runs in parallel when '
        'there is a core per run; the figures are the same either way)')
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch threads of each run; part of what makes the figures '
        'reproducible, so it is set here and not taken from '
        'OMP_NUM_THREADS (default: 1, fastest for these small models)')
    parser.add_argument(
        '--isa',
        default=DEFAULT_ISA,
        choices=sorted(PINNED_ISA_ENV),
        help='instruction set the kernel libraries (ATen, oneDNN, MKL) of '
        'each run are held to; the published figures use avx2 (default: '
        f'{DEFAULT_ISA}; "default" lets each library pick by CPU)')
    parser.add_argument(
        '--runs',
        nargs='+',
        default=[name for name, _ in DEMO_RUNS],
        choices=[name for name, _ in DEMO_RUNS],
        help='which runs to do')
    return parser.parse_args(argv)


def _last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as file:
        return file.read().strip()


def _train_and_test(name: str,
                    config: str,
                    work_dir: str,
                    epochs: Optional[int],
                    threads: int = 1,
                    isa: str = DEFAULT_ISA) -> Dict[str, float]:
    """Train ``config``, test its last checkpoint, score the dump."""
    run_dir = osp.join(work_dir, name)
    env = deterministic_env(threads, isa)
    options = []
    if epochs is not None:
        options = [
            '--cfg-options', f'train_cfg.max_epochs={epochs}',
            f'param_scheduler.0.T_max={epochs}'
        ]
    prefix = f'[{name}]'
    print(f'{prefix} training {config}', flush=True)
    start = time.time()
    train_cmd = [
        sys.executable,
        osp.join(TOOLS_DIR, 'train.py'), config, '--work-dir', run_dir,
        *options
    ]
    run_logged(
        train_cmd, osp.join(run_dir, 'train.log'), prefix=prefix, env=env)
    checkpoint = _last_checkpoint(run_dir)
    dump = osp.join(run_dir, 'test_pred.pkl')
    print(f'{prefix} testing {checkpoint}', flush=True)
    test_cmd = [
        sys.executable,
        osp.join(TOOLS_DIR, 'test.py'), config, checkpoint, '--work-dir',
        osp.join(run_dir, 'test'), '--dump', dump
    ]
    run_logged(
        test_cmd,
        osp.join(run_dir, 'test.log'),
        echo=('Epoch(test)', ),
        prefix=prefix,
        env=env)
    stream = load_stream_scores(dump, name=name)
    top1, top5 = top_k_accuracy(stream.scores, stream.labels, topk=(1, 5))
    return dict(
        top1=top1,
        top5=top5,
        mean_class=mean_class_accuracy(stream.scores, stream.labels),
        num_samples=len(stream.labels),
        minutes=(time.time() - start) / 60)


def ensure_embedded_data(ann_file: str = ANN_FILE) -> None:
    """Prepare the embedded BODY-25 set with its data tool when missing."""
    if osp.exists(ann_file):
        return
    print(f'preparing the embedded dataset: {ann_file}', flush=True)
    subprocess.run([
        sys.executable,
        osp.join(TOOLS_DIR, 'data', 'embedded',
                 'prepare_pose_classification_kit.py'), '--out', ann_file
    ],
                   check=True)


def format_superclasses(json_file: str) -> List[str]:
    """One line per class: its name and the classes of its superclass.

    Args:
        json_file (str): A file written by ``SuperclassRefreshHook``.

    Returns:
        list[str]: Printable lines.
    """
    with open(json_file) as file:
        content = json.load(file)
    lines = [f'superclasses at epoch {content["epoch"]}:']
    for module in content['modules'].values():
        for entry in module['classes']:
            name = entry['name'] if entry['name'] is not None else str(
                entry['index'])
            members = entry['member_names'] or [
                str(index) for index in entry['members']
            ]
            members = [member for member in members if member != name]
            lines.append(f'  {name} (tau {entry["tau"]:g}): '
                         f'{", ".join(members)}')
    return lines


def format_results(results: Dict[str, dict], kernels: str,
                   threads: int) -> List[str]:
    """The demo's result block: a header with the pinned setting, then one
    line of test metrics per run.

    Args:
        results (dict): Test metrics per run name.
        kernels (str): The kernels' instruction set, e.g. ``'avx2'``.
        threads (int): Threads of each run.

    Returns:
        list[str]: Printable lines.
    """
    lines = [
        '== test split of the embedded set (last checkpoint; '
        f'kernels: {kernels}, threads: {threads}) ==',
        f'{"run":<8} {"top1":>7} {"top5":>7} {"mean1":>7}'
    ]
    for name, metrics in results.items():
        lines.append(f'{name:<8} {metrics["top1"]:7.4f} '
                     f'{metrics["top5"]:7.4f} {metrics["mean_class"]:7.4f}')
    return lines


def _pct(value: float) -> str:
    return f'{value:.2f}'


def ablation_summary(doc_file: str = ABLATION_DOC) -> List[str]:
    """The multi-seed comparison of ``make ablation``, as printable lines.

    It is read from a block ``<!-- aclnet-mm:ablation-summary {json} -->``
    of ``doc_file`` (written with the table it summarises), not from the
    prose, so that rewording the document cannot change what is printed.

    Args:
        doc_file (str): The ablation document.

    Returns:
        list[str]: Printable lines; one line saying what is missing when the
        file or its block is absent or unreadable (never an exception: the
        demo's own figures are printed already).
    """
    root = osp.dirname(TOOLS_DIR)
    where = osp.relpath(
        doc_file,
        root) if osp.abspath(doc_file).startswith(root + os.sep) else doc_file
    try:
        with open(doc_file, encoding='utf-8') as file:
            text = file.read()
    except OSError as err:
        return [
            f'multi-seed result: cannot read {where} '
            f'({err.strerror or err}); run `make ablation` for one'
        ]
    start = text.find('<!-- ' + ABLATION_MARKER)
    if start < 0:
        return [
            f'multi-seed result: no "{ABLATION_MARKER}" block in '
            f'{where}; run `make ablation` for one'
        ]
    # The block: a comment line or two, then one JSON object.
    body = text[start:text.find('-->', start)]
    try:
        if '{' not in body:
            raise ValueError('no JSON object')
        block, _ = json.JSONDecoder().raw_decode(body[body.index('{'):])
        baseline, variant = block['baseline'], block['variant']
        diff = block['paired_difference']
        lines = [
            f'multi-seed result ({block["source"]}, test top-1 %, '
            f'{block["seeds"]} seeds; from {where}):'
        ]
        for run in (baseline, variant):
            low, high = run['ci']
            lines.append(f'  {run["name"]:<16} {_pct(run["mean"]):>6} '
                         f'+- {_pct(run["std"])}   '
                         f'{block["confidence"]} CI [{_pct(low)}, '
                         f'{_pct(high)}]')
        low, high = diff['ci']
        lines.append(f'  {variant["name"]} - {baseline["name"]}: '
                     f'{diff["mean"]:+.2f}, {block["confidence"]} CI '
                     f'[{low:+.2f}, {high:+.2f}], paired t-test '
                     f'p = {diff["p_value"]:.2f}, wins / losses '
                     f'{diff["wins"]} / {diff["losses"]}')
        lines.append(f'  conclusion: {block["conclusion"]}')
    except (ValueError, KeyError, TypeError) as err:
        return [
            f'multi-seed result: the "{ABLATION_MARKER}" block in '
            f'{where} is malformed ({type(err).__name__}: {err})'
        ]
    return lines


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, dict]:
    """Run the demo; returns the test metrics of each run."""
    args = parse_args(argv)
    # Before anything trains: a CPU without the pinned instructions stops
    # here with one line, not in a kernel with an illegal instruction.
    capability = check_pinned_isa(
        deterministic_env(args.threads, args.isa), args.isa)
    kernels = args.isa if args.isa != 'default' else \
        f'default ({capability})'
    ensure_embedded_data()
    runs = [(name, config) for name, config in DEMO_RUNS if name in args.runs]
    results, errors = {}, []
    parallel = not args.sequential and (os.cpu_count() or 1) >= len(runs)

    def work(name: str, config: str) -> None:
        try:
            results[name] = _train_and_test(name, config, args.work_dir,
                                            args.epochs, args.threads,
                                            args.isa)
            print(
                f'[{name}] done in {results[name]["minutes"]:.1f} min',
                flush=True)
        except Exception as err:  # reported after all runs end
            errors.append(err)

    if parallel:
        workers = [threading.Thread(target=work, args=run) for run in runs]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    else:
        for run in runs:
            work(*run)
    if errors:
        raise errors[0]
    results = {name: results[name] for name, _ in runs}

    print('\n' + '\n'.join(format_results(results, kernels, args.threads)))
    superclass_file = osp.join(args.work_dir, 'aclnet',
                               'superclasses_latest.json')
    if osp.exists(superclass_file):
        print('\n' + '\n'.join(format_superclasses(superclass_file)))
    # One draw per config: the spread over seeds goes next to it, and the
    # last line stays ACLNet's top-1 for whoever reads the demo's output.
    print('\nthe figures above are one seed each; '
          'over several seeds (make ablation):')
    print('\n'.join(ablation_summary()))
    if 'ce' in results:
        print(f'\nce_top1_acc: {results["ce"]["top1"]:.4f}')
    if 'aclnet' in results:
        print(f'top1_acc: {results["aclnet"]["top1"]:.4f}')
    return results


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('tools/run_demo.py'):
        main()
