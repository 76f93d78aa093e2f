# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Seeded ablation: config variants x seeds, with intervals and tests.

Each (variant, seed) run is a real ``tools/train.py`` process with
``randomness.seed=SEED`` and deterministic algorithms, followed by a
``tools/test.py`` of its LAST checkpoint on the test split (no selection
on test data). Runs go in parallel, one per core at one thread each, and
the thread count is set here, not taken from the environment, so that a
run prints the same figures whatever the shell exported.

The tool is resumable: a run whose ``result.json`` exists is skipped, a
finished training is not repeated, and an interrupted training resumes from
its last checkpoint. Each run directory records the settings it was made
with (``settings.json``: config, its resolved content's hash, epochs,
superclass start, extra options); a later call with other settings refuses
to reuse it instead of mixing runs of two designs in one table. At the
end it writes to ``--work-dir``:

* ``runs.csv``: one row per run (top-1, top-5, mean class accuracy);
* ``summary.json`` and ``table.md``: per variant the mean, standard
  deviation and 95 % bootstrap interval over seeds; per variant against the
  baseline the paired differences on the same seeds (mean, bootstrap
  interval, paired t-test, exact sign-flip test, wins / losses), the
  smallest difference the design detects, and the per-class changes on the
  classes that sit in a superclass;
* ``seeds.png``: the test top-1 of every seed of every variant.

Run it as ``python tools/ablation.py`` (the seven variants of
docs/advanced_guides/ablation.md on the embedded data) or with
``--variants NAME=CONFIG``.
"""
import argparse
import csv
import hashlib
import json
import math
import os
import os.path as osp
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmaction.registry import HOOKS
from mmengine.config import Config

from aclnet_mm.apis.cli_errors import one_line_errors
from aclnet_mm.datasets import load_class_names
from aclnet_mm.engine.hooks import SuperclassRefreshHook
from aclnet_mm.evaluation.functional import (bootstrap_ci, load_stream_scores,
                                             mean_class_accuracy,
                                             minimum_detectable_difference,
                                             paired_comparison, top_k_accuracy)
from aclnet_mm.utils.config_types import is_config_of
from aclnet_mm.utils.logged_run import (DEFAULT_ISA, PINNED_ISA_ENV,
                                        check_pinned_isa, deterministic_env,
                                        run_logged)

__all__ = [
    'EMBEDDED_VARIANTS', 'parse_args', 'run_settings', 'run_one', 'summarise',
    'format_table', 'class_names_of', 'plot_seeds', 'main'
]

_EMBEDDED = 'joint_u24_30e_body25_embedded_keypoint_2d.py'
_ABLATION_DIR = osp.join('configs', 'aclnet', 'ablation')
#: (name, config) of the shipped variants; the first is the baseline.
EMBEDDED_VARIANTS = (
    ('ce', osp.join('configs', 'aclnet', f'aclgcn_1xb16_{_EMBEDDED}')),
    ('ce+inter',
     osp.join(_ABLATION_DIR, f'aclnet_inter_aclgcn_1xb16_{_EMBEDDED}')),
    ('ce+intra',
     osp.join(_ABLATION_DIR, f'aclnet_intra_aclgcn_1xb16_{_EMBEDDED}')),
    ('aclnet-faithful',
     osp.join('configs', 'aclnet', f'aclnet_aclgcn_1xb16_{_EMBEDDED}')),
    ('aclnet-clean',
     osp.join(_ABLATION_DIR, f'aclnet_clean_aclgcn_1xb16_{_EMBEDDED}')),
    ('aclnet-lintemp',
     osp.join(_ABLATION_DIR, f'aclnet_lintemp_aclgcn_1xb16_{_EMBEDDED}')),
    ('protogcn', osp.join('configs', 'protogcn',
                          f'protogcn_1xb16_{_EMBEDDED}')),
)
ANN_FILE = osp.join('data', 'embedded', 'body25_2d.pkl')
TOOLS_DIR = osp.dirname(osp.abspath(__file__))
_RESULT = 'result.json'
_SETTINGS = 'settings.json'
_TRAIN_DONE = 'train.done'
_SUPERCLASSES = 'superclasses_latest.json'
# Config.fromfile of a class-typed config is not thread-safe (it imports
# and patches modules): two runs reading configs at once in the pool got
# another resolved content, hence another hash, and a resumed ablation
# refused its own runs.
_CONFIG_LOCK = threading.Lock()


def _variant(text: str) -> Tuple[str, str]:
    name, sep, config = text.partition('=')
    if not sep or not name or not config:
        raise argparse.ArgumentTypeError(f'expected NAME=CONFIG, got {text!r}')
    return name, config


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line of the ablation tool."""
    parser = argparse.ArgumentParser(
        description='Train config variants with several seeds, test the '
        'last checkpoints, compare them with intervals and paired tests')
    parser.add_argument(
        '--variants',
        nargs='+',
        type=_variant,
        default=list(EMBEDDED_VARIANTS),
        metavar='NAME=CONFIG',
        help='the variants; the first is the baseline unless --baseline '
        'says otherwise (default: the seven embedded-data variants)')
    parser.add_argument(
        '--baseline', help='name of the baseline variant (default: first)')
    parser.add_argument(
        '--seeds',
        nargs='+',
        type=int,
        default=[0, 1, 2, 3, 4],
        help='training seeds, the same for every variant')
    parser.add_argument(
        '--epochs',
        type=int,
        default=None,
        help='override the epoch count (and the cosine T_max) of every '
        'variant')
    parser.add_argument(
        '--superclass-start',
        type=int,
        default=None,
        help='override the start_epoch of the SuperclassRefreshHook of the '
        'variants that have one (to keep its place in a shorter schedule '
        'given with --epochs)')
    parser.add_argument(
        '--jobs',
        type=int,
        default=os.cpu_count() or 1,
        help='runs at once (default: one per core)')
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch threads of each run, fixed here for reproducibility')
    parser.add_argument(
        '--isa',
        default=DEFAULT_ISA,
        choices=sorted(PINNED_ISA_ENV),
        help='instruction set the kernel libraries (ATen, oneDNN, MKL) of '
        'each run are held to, fixed here for reproducibility across '
        f'machines (default: {DEFAULT_ISA})')
    parser.add_argument(
        '--work-dir',
        default=osp.join('work_dirs', 'ablation'),
        help='runs go to WORK_DIR/NAME/seed_S; the table next to them')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='extra key=value overrides passed to every training and test')
    parser.add_argument(
        '--confidence',
        type=float,
        default=0.95,
        help='coverage of the bootstrap intervals')
    args = parser.parse_args(argv)
    names = [name for name, _ in args.variants]
    if len(set(names)) != len(names):
        raise SystemExit(f'variant names must be unique: {names}')
    if args.baseline is None:
        args.baseline = names[0]
    elif args.baseline not in names:
        raise SystemExit(f'--baseline {args.baseline!r} is not one of '
                         f'{names}')
    if len(set(args.seeds)) != len(args.seeds):
        raise SystemExit(f'seeds must be unique: {args.seeds}')
    return args


def _hook_options(config: str, superclass_start: Optional[int]) -> list:
    """``--cfg-options`` setting the superclass hook's start epoch."""
    if superclass_start is None:
        return []
    with _CONFIG_LOCK:
        hooks = Config.fromfile(config).get('custom_hooks') or []
    return [
        f'custom_hooks.{index}.start_epoch={superclass_start}'
        for index, hook in enumerate(hooks)
        if is_config_of(hook, SuperclassRefreshHook, HOOKS)
    ]


def run_settings(config: str,
                 epochs: Optional[int] = None,
                 superclass_start: Optional[int] = None,
                 cfg_options: Sequence[str] = (),
                 isa: str = DEFAULT_ISA,
                 threads: int = 1) -> dict:
    """What decides a run besides its seed, as recorded in its directory.

    The config's resolved content is hashed (its ``_base_`` files
    included), so that an edited config is not taken for the one the
    existing runs were trained with.

    Args:
        config (str): The variant's config file.
        epochs (int, optional): Override of the epoch count.
        superclass_start (int, optional): Override of the superclass hook's
            start epoch.
        cfg_options (Sequence[str]): Extra ``key=value`` overrides.
        isa (str): Instruction set of the kernels; like the thread count,
            it changes the figures, so runs made with others are not mixed.
        threads (int): Torch threads of the processes.

    Returns:
        dict: JSON-serialisable settings.
    """
    with _CONFIG_LOCK:
        resolved = json.dumps(
            Config.fromfile(config).to_dict(), sort_keys=True, default=repr)
    return dict(
        config=config,
        config_sha256=hashlib.sha256(resolved.encode()).hexdigest(),
        epochs=epochs,
        superclass_start=superclass_start,
        cfg_options=list(cfg_options),
        isa=isa,
        threads=threads)


def _check_or_record_settings(run_dir: str, settings: dict) -> None:
    """Record the settings of a new run; refuse a run made with others."""
    path = osp.join(run_dir, _SETTINGS)
    if osp.exists(path):
        with open(path) as file:
            recorded = json.load(file)
        changed = sorted(
            key for key in set(recorded) | set(settings)
            if recorded.get(key) != settings.get(key))
        if changed:
            details = '; '.join(f'{key}: {recorded.get(key)!r} there, '
                                f'{settings.get(key)!r} now'
                                for key in changed)
            raise SystemExit(
                f'{run_dir} holds a run made with other settings '
                f'({details}). Give another --work-dir, or remove that '
                'directory to train it again.')
        return
    if os.listdir(run_dir):
        raise SystemExit(
            f'{run_dir} holds files but no {_SETTINGS} (an interrupted '
            'start, or a run of an earlier version of this tool): its '
            'settings are unknown. Give another --work-dir, or remove that '
            'directory to train it again.')
    _write_json(path, settings)


def _write_json(path: str, content: dict) -> None:
    """Write atomically, so that a killed tool never leaves half a file
    that a resumed one would take as finished."""
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as file:
        json.dump(content, file, indent=1)
    os.replace(tmp, path)


def _per_class_accuracy(scores: np.ndarray, labels: np.ndarray) -> list:
    pred = scores.argmax(axis=1)
    accuracy = []
    for index in range(scores.shape[1]):
        mask = labels == index
        accuracy.append(
            float((pred[mask] == index).mean()) if mask.any() else None)
    return accuracy


def _superclass_members(run_dir: str) -> Optional[List[int]]:
    """Classes that share a superclass with another class at the end of the
    run, or None when the run has no superclasses (no inter-class loss)."""
    path = osp.join(run_dir, _SUPERCLASSES)
    if not osp.exists(path):
        return None
    with open(path) as file:
        content = json.load(file)
    members = set()
    for module in content['modules'].values():
        for entry in module['classes']:
            if len(set(entry['members']) - {entry['index']}) > 0:
                members.add(entry['index'])
    return sorted(members)


def run_one(name: str,
            config: str,
            seed: int,
            work_dir: str,
            epochs: Optional[int] = None,
            threads: int = 1,
            cfg_options: Sequence[str] = (),
            superclass_start: Optional[int] = None,
            isa: str = DEFAULT_ISA) -> dict:
    """Train one (variant, seed), test its last checkpoint, keep the result.

    Args:
        name (str): Variant name.
        config (str): Its config file.
        seed (int): Training seed.
        work_dir (str): The ablation's work directory.
        epochs (int, optional): Override of the epoch count.
        threads (int): Torch threads of the processes.
        cfg_options (Sequence[str]): Extra ``key=value`` overrides.
        superclass_start (int, optional): Override of the start epoch of
            the config's ``SuperclassRefreshHook`` (if it has one).
        isa (str): Instruction set of the processes' kernel libraries
            (:data:`~aclnet_mm.utils.logged_run.PINNED_ISA_ENV`).

    Returns:
        dict: The content of the run's ``result.json``.

    Raises:
        SystemExit: The run's directory holds a run made with other
            settings (see :func:`run_settings`).
    """
    run_dir = osp.join(work_dir, name, f'seed_{seed}')
    os.makedirs(run_dir, exist_ok=True)
    _check_or_record_settings(
        run_dir,
        run_settings(config, epochs, superclass_start, cfg_options, isa,
                     threads))
    result_file = osp.join(run_dir, _RESULT)
    if osp.exists(result_file):
        with open(result_file) as file:
            return json.load(file)
    env = deterministic_env(threads, isa)
    options = list(cfg_options)
    if epochs is not None:
        options += [
            f'train_cfg.max_epochs={epochs}',
            f'param_scheduler.0.T_max={epochs}'
        ]
    options += _hook_options(config, superclass_start)
    start = time.time()
    if not osp.exists(osp.join(run_dir, _TRAIN_DONE)):
        train_cmd = [
            sys.executable,
            osp.join(TOOLS_DIR, 'train.py'), config, '--work-dir', run_dir,
            '--no-validate', '--cfg-options', f'randomness.seed={seed}',
            'randomness.deterministic=True', *options
        ]
        if osp.exists(osp.join(run_dir, 'last_checkpoint')):
            train_cmd.append('--resume')
        run_logged(train_cmd, osp.join(run_dir, 'train.log'), echo=(), env=env)
        open(osp.join(run_dir, _TRAIN_DONE), 'w').close()
    with open(osp.join(run_dir, 'last_checkpoint')) as file:
        checkpoint = file.read().strip()
    dump = osp.join(run_dir, 'test_pred.pkl')
    test_cmd = [
        sys.executable,
        osp.join(TOOLS_DIR, 'test.py'), config, checkpoint, '--work-dir',
        osp.join(run_dir, 'test'), '--dump', dump
    ]
    if cfg_options:
        test_cmd += ['--cfg-options', *cfg_options]
    run_logged(test_cmd, osp.join(run_dir, 'test.log'), echo=(), env=env)
    stream = load_stream_scores(dump, name=dump)
    top1, top5 = top_k_accuracy(stream.scores, stream.labels, topk=(1, 5))
    result = dict(
        variant=name,
        config=config,
        seed=seed,
        checkpoint=checkpoint,
        top1=float(top1),
        top5=float(top5),
        mean_class=float(mean_class_accuracy(stream.scores, stream.labels)),
        num_samples=int(len(stream.labels)),
        class_accuracy=_per_class_accuracy(stream.scores, stream.labels),
        superclass_members=_superclass_members(run_dir),
        minutes=(time.time() - start) / 60)
    _write_json(result_file, result)
    return result


def _class_changes(results: Dict[str, Dict[int, dict]], name: str,
                   baseline: str, seeds: Sequence[int]) -> Optional[dict]:
    """Per-class top-1 change (variant - baseline, mean over seeds) of the
    classes that sat in a superclass of the variant in at least one seed."""
    runs = [results[name][seed] for seed in seeds]
    if any(run['superclass_members'] is None for run in runs):
        return None
    counts: Dict[int, int] = {}
    for run in runs:
        for index in run['superclass_members']:
            counts[index] = counts.get(index, 0) + 1
    rows = []
    for index in sorted(counts):
        var = [run['class_accuracy'][index] for run in runs]
        base = [
            results[baseline][seed]['class_accuracy'][index] for seed in seeds
        ]
        if None in var or None in base:
            continue
        rows.append(
            dict(
                index=index,
                seeds_in_superclass=counts[index],
                baseline=float(np.mean(base)),
                variant=float(np.mean(var)),
                change=float(np.mean(var) - np.mean(base))))
    members = [row['index'] for row in rows]
    others = [
        index for index in range(len(runs[0]['class_accuracy'])) if
        index not in members and runs[0]['class_accuracy'][index] is not None
    ]

    def mean_change(indices):
        if not indices:
            return None
        return float(
            np.mean([
                results[name][seed]['class_accuracy'][i] -
                results[baseline][seed]['class_accuracy'][i] for i in indices
                for seed in seeds
            ]))

    return dict(
        classes=rows,
        mean_change_members=mean_change(members),
        mean_change_others=mean_change(others))


def summarise(results: Dict[str, Dict[int, dict]],
              names: Sequence[str],
              baseline: str,
              seeds: Sequence[int],
              confidence: float = 0.95) -> dict:
    """The statistics of the table from the runs' results.

    Args:
        results (dict): ``results[name][seed]`` = a run's ``result.json``.
        names (Sequence[str]): Variants in table order.
        baseline (str): Name of the baseline.
        seeds (Sequence[int]): The seeds, paired across variants.
        confidence (float): Coverage of the intervals. Defaults to 0.95.

    Returns:
        dict: ``seeds``, ``num_test_samples``, ``baseline`` and, per
        variant, ``top1`` (per seed, in %), ``mean``, ``std``, ``ci_low``,
        ``ci_high``; for the others ``paired`` (see
        :func:`aclnet_mm.evaluation.functional.paired_comparison`, in
        points), ``detectable`` (the smallest mean difference this design
        detects at alpha 0.05 with power 0.8, from the observed scatter)
        and ``class_changes``.
    """
    num_samples = results[baseline][seeds[0]]['num_samples']
    summary = dict(
        seeds=list(seeds),
        baseline=baseline,
        confidence=confidence,
        num_test_samples=num_samples,
        one_sample_points=100.0 / num_samples,
        variants={})
    base = [100 * results[baseline][seed]['top1'] for seed in seeds]
    for name in names:
        top1 = [100 * results[name][seed]['top1'] for seed in seeds]
        low, high = bootstrap_ci(top1, confidence)
        entry = dict(
            top1=top1,
            mean=float(np.mean(top1)),
            std=float(np.std(top1, ddof=1)) if len(top1) > 1 else math.nan,
            ci_low=low,
            ci_high=high)
        if name != baseline and len(seeds) > 1:
            paired = paired_comparison(top1, base, confidence)
            entry['paired'] = paired
            entry['detectable'] = minimum_detectable_difference(
                paired['std_diff'], len(seeds)) if len(seeds) > 1 else None
            entry['class_changes'] = _class_changes(results, name, baseline,
                                                    seeds)
        summary['variants'][name] = entry
    return summary


def _fmt(value: Optional[float], digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 'n/a'
    return f'{value:.{digits}f}'


def format_table(summary: dict,
                 class_names: Optional[Sequence[str]] = None) -> str:
    """The summary as Markdown: main table, paired table, class changes."""
    pct = int(round(100 * summary['confidence']))
    seeds = summary['seeds']
    lines = [
        f'Test top-1 (%) of the last checkpoint, seeds '
        f'{", ".join(str(s) for s in seeds)}; '
        f'{summary["num_test_samples"]} test samples '
        f'(one sample = {summary["one_sample_points"]:.2f} points).', '',
        f'| variant | mean | std | {pct} % bootstrap CI | per seed |',
        '|---|---|---|---|---|'
    ]
    for name, entry in summary['variants'].items():
        per_seed = ' / '.join(f'{value:.2f}' for value in entry['top1'])
        lines.append(f'| {name} | {_fmt(entry["mean"])} | '
                     f'{_fmt(entry["std"])} | [{_fmt(entry["ci_low"])}, '
                     f'{_fmt(entry["ci_high"])}] | {per_seed} |')
    paired = [(name, entry) for name, entry in summary['variants'].items()
              if 'paired' in entry]
    if paired:
        lines += [
            '', f'Paired differences against `{summary["baseline"]}` on the '
            'same seeds (points):', '',
            f'| variant | mean diff | {pct} % bootstrap CI | paired t p | '
            'sign-flip p | wins / losses | detectable |', '|---|---|---|---|'
            '---|---|---|'
        ]
        for name, entry in paired:
            stat = entry['paired']
            lines.append(
                f'| {name} | {stat["mean_diff"]:+.2f} | '
                f'[{_fmt(stat["ci_low"])}, {_fmt(stat["ci_high"])}] | '
                f'{_fmt(stat["p_t"], 3)} | {_fmt(stat["p_sign_flip"], 3)} | '
                f'{stat["wins"]} / {stat["losses"]} | '
                f'{_fmt(entry["detectable"])} |')
    for name, entry in paired:
        changes = entry.get('class_changes')
        if not changes or not changes['classes']:
            continue
        lines += [
            '', f'Per-class top-1 change of `{name}` on its superclass '
            f'members (mean over seeds, points; all members '
            f'{_fmt(_points(changes["mean_change_members"]))}, other classes '
            f'{_fmt(_points(changes["mean_change_others"]))}):', '',
            '| class | seeds in a superclass | baseline | variant | change |',
            '|---|---|---|---|---|'
        ]
        for row in changes['classes']:
            label = class_names[row['index']] if class_names else str(
                row['index'])
            lines.append(f'| {label} | {row["seeds_in_superclass"]} | '
                         f'{100 * row["baseline"]:.1f} | '
                         f'{100 * row["variant"]:.1f} | '
                         f'{100 * row["change"]:+.1f} |')
    return '\n'.join(lines) + '\n'


def _points(value: Optional[float]) -> Optional[float]:
    return None if value is None else 100 * value


def plot_seeds(summary: dict, out_file: str) -> str:
    """Points per seed per variant, with the mean and its interval.

    Args:
        summary (dict): Output of :func:`summarise`.
        out_file (str): The image to write.

    Returns:
        str: ``out_file``.
    """
    from aclnet_mm.visualization import new_figure, save_figure
    names = list(summary['variants'])
    seeds = summary['seeds']
    fig = new_figure((1.4 * len(names) + 2, 4.))
    ax = fig.add_subplot(1, 1, 1)
    offsets = np.linspace(-0.2, 0.2, len(seeds)) if len(seeds) > 1 else [0.]
    colours = [f'C{i % 10}' for i in range(len(seeds))]
    for x, name in enumerate(names):
        entry = summary['variants'][name]
        for offset, colour, seed, value in zip(offsets, colours, seeds,
                                               entry['top1']):
            ax.plot(
                x + offset,
                value,
                'o',
                color=colour,
                label=f'seed {seed}' if x == 0 else None)
        ax.errorbar(
            x + 0.32,
            entry['mean'],
            yerr=[[entry['mean'] - entry['ci_low']],
                  [entry['ci_high'] - entry['mean']]],
            fmt='s',
            color='black',
            capsize=3,
            label='mean, bootstrap CI' if x == 0 else None)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=20)
    ax.set_ylabel('test top-1 (%)')
    ax.grid(axis='y', alpha=0.3)
    # Outside the axes: inside, it hides the points of some variant.
    ax.legend(fontsize='small', loc='upper left', bbox_to_anchor=(1.01, 1))
    return save_figure(fig, out_file)


def _write_runs_csv(results: Dict[str, Dict[int, dict]], names, seeds,
                    path: str) -> None:
    with open(path, 'w', newline='') as file:
        writer = csv.writer(file)
        writer.writerow(
            ['variant', 'seed', 'top1', 'top5', 'mean_class', 'config'])
        for name in names:
            for seed in seeds:
                run = results[name][seed]
                writer.writerow([
                    name, seed, f'{run["top1"]:.6f}', f'{run["top5"]:.6f}',
                    f'{run["mean_class"]:.6f}', run['config']
                ])


def class_names_of(config: str, options: Sequence[str] = ()) -> Optional[list]:
    """Class names of the config's test set, for the per-class tables.

    As the dataset finds them: its ``class_names`` option (a list or a
    file), else the annotation file's ``classes``; None when neither is
    there.

    Args:
        config (str): The config file.
        options (Sequence[str]): ``key=value`` overrides, as
            ``--cfg-options`` (only string values such as ``ann_file``
            matter here).

    Returns:
        list[str], optional: The names in label order.
    """
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(dict(option.split('=', 1) for option in options))
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    while 'dataset' in dataset:  # wrappers such as RepeatDataset
        dataset = dataset['dataset']
    ann_file = dataset.get('ann_file')
    return load_class_names(
        dataset.get('class_names'),
        ann_file if isinstance(ann_file, str) else None)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Run the ablation; returns the summary."""
    args = parse_args(argv)
    names = [name for name, _ in args.variants]
    configs = dict(args.variants)
    check_pinned_isa(deterministic_env(args.threads, args.isa), args.isa)
    for name, config in args.variants:
        if not osp.exists(config):
            raise SystemExit(f'config of variant {name!r} not found: '
                             f'{config}')
    if configs.get(args.baseline) == EMBEDDED_VARIANTS[0][1] and not \
            osp.exists(ANN_FILE):
        print(f'preparing the embedded dataset: {ANN_FILE}', flush=True)
        subprocess.run([
            sys.executable,
            osp.join(TOOLS_DIR, 'data', 'embedded',
                     'prepare_pose_classification_kit.py'), '--out', ANN_FILE
        ],
                       check=True)
    # Seed-major order: an interrupted ablation has whole seeds to compare.
    jobs = [(name, seed) for seed in args.seeds for name in names]
    total = len(jobs)
    # Every run directory against these settings before anything trains:
    # a mismatch stops here, not after hours of other runs.
    settings = {
        name:
        run_settings(configs[name], args.epochs, args.superclass_start,
                     args.cfg_options, args.isa, args.threads)
        for name in names
    }
    for name, seed in jobs:
        run_dir = osp.join(args.work_dir, name, f'seed_{seed}')
        os.makedirs(run_dir, exist_ok=True)
        _check_or_record_settings(run_dir, settings[name])
    results: Dict[str, Dict[int, dict]] = {name: {} for name in names}
    done = [
        job for job in jobs if osp.exists(
            osp.join(args.work_dir, job[0], f'seed_{job[1]}', _RESULT))
    ]
    print(
        f'{total} runs ({len(names)} variants x {len(args.seeds)} seeds), '
        f'{len(done)} already done, {args.jobs} at once with '
        f'{args.threads} thread(s) each, kernels: {args.isa}; logs in '
        f'{args.work_dir}',
        flush=True)
    lock = threading.Lock()
    start = time.time()
    finished, fresh = [len(done)], [0]

    def work(name: str, seed: int) -> dict:
        return run_one(name, configs[name], seed, args.work_dir, args.epochs,
                       args.threads, args.cfg_options, args.superclass_start,
                       args.isa)

    errors = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(work, *job): job for job in jobs}
        for future in as_completed(futures):
            name, seed = futures[future]
            try:
                result = future.result()
            except Exception as err:  # report all failures at the end
                errors.append(err)
                print(f'[failed] {name} seed {seed}: {err}', flush=True)
                continue
            results[name][seed] = result
            if (name, seed) in done:
                continue  # counted in the first line already
            with lock:
                finished[0] += 1
                fresh[0] += 1
                elapsed = (time.time() - start) / 60
                left = total - finished[0]
                eta = elapsed / fresh[0] * left
                print(
                    f'[{finished[0]}/{total}] {name} seed {seed}: top1 '
                    f'{100 * result["top1"]:.2f}  ({elapsed:.1f} min, '
                    f'about {eta:.0f} min left)',
                    flush=True)
    if errors:
        raise errors[0]

    summary = summarise(results, names, args.baseline, args.seeds,
                        args.confidence)
    table = format_table(
        summary, class_names_of(configs[args.baseline], args.cfg_options))
    os.makedirs(args.work_dir, exist_ok=True)
    _write_runs_csv(results, names, args.seeds,
                    osp.join(args.work_dir, 'runs.csv'))
    _write_json(osp.join(args.work_dir, 'summary.json'), summary)
    with open(osp.join(args.work_dir, 'table.md'), 'w') as file:
        file.write(table)
    plot_seeds(summary, osp.join(args.work_dir, 'seeds.png'))
    print('\n' + table)
    print(f'wrote {args.work_dir}/table.md, summary.json, runs.csv and '
          'seeds.png')
    return summary


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('tools/ablation.py'):
        main()
