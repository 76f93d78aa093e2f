# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Time ACLNet's and ProtoGCN's training steps, the losses and the data
pipeline.

Examples::

    # CPU, small defaults (well under two minutes)
    python tools/benchmark.py --json bench.json --markdown bench.md
    # one GPU, the issue's shapes, bf16 autocast and torch.compile
    python tools/benchmark.py --device cuda --batch-sizes 16 64 \\
        --num-classes 60 400 --amp --compile

Measured, each as the median over ``--steps`` steps after ``--warmup``
steps (CUDA-synchronised on GPU):

- ``ce_step``: a training step (forward, backward, SGD) of the backbone
  with the cross-entropy head only;
- ``aclnet_step``: the same with :class:`ACLNetHead`'s two contrastive
  losses fully active (superclasses built, queue full);
- ``protogcn_step``: the same with :class:`ProtoGCN` (the ACLGCN trunk
  plus the prototype reconstruction, 400 prototypes) and
  :class:`ProtoGCNHead`'s class-prototype loss (``--backbone aclgcn``
  only);
- ``aux_losses``: the two losses alone (forward and backward) on
  precomputed features;
- ``reconstruction``: ProtoGCN's prototype reconstruction batched, as
  here, against sample by sample, as in the reference;
- ``refresh``: a superclass rebuild from a confusion bank of ``C`` classes;
- ``pipeline``: samples per second of one worker for each input stream;
- ``inference``: samples per second of the eval-mode forward;

plus FLOPs per step (``torch.utils.flop_counter``), achieved TFLOP/s, peak
memory (CUDA: allocated per measurement; CPU: the process's peak RSS) and
host reads per step: synchronising CUDA calls counted with
``torch.cuda.set_sync_debug_mode`` on GPU, and on every device the
Python-level ``item`` / ``tolist`` / ``cpu`` / ``numpy`` / ``bool`` /
``float`` / ``int`` calls on tensors (see
:class:`~aclnet_mm.utils.HostReadCounter`).
"""
import argparse
import contextlib
import json
import platform
import resource
import statistics
import sys
import time
import warnings
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmaction.registry import MODELS, TRANSFORMS
from mmaction.structures import ActionDataSample
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from torch.utils.flop_counter import FlopCounterMode

from aclnet_mm.apis.cli_errors import one_line_errors
from aclnet_mm.utils.host_read_counter import HostReadCounter
from aclnet_mm.utils.progress import progress_bar

__all__ = [
    'REFERENCE_H100', 'paired_overhead_pct', 'parse_args', 'run',
    'to_markdown', 'main'
]

#: The issue's figures for the reference code on one H100 (median ms per
#: step; 100 frames, 2 persons, 25 joints except B=64/C=400 with 20).
REFERENCE_H100 = dict(
    ce_step_ms={
        '16x60': 82.,
        '16x400': 94.,
        '64x60': 197.,
        '64x400': 157.
    },
    aclnet_step_ms={
        '16x60': 107.,
        '16x400': 139.,
        '64x60': 358.,
        '64x400': 297.
    },
    syncs_per_step={
        '16x60': 363,
        '16x400': 363,
        '64x60': 4641,
        '64x400': 4515
    },
    refresh_ms={
        '60': 570.,
        '120': 1370.,
        '400': 17500.
    })

_STREAMS = ('j', 'b', 'k', 'jm', 'bm', 'km')


class _CudaSyncCounter:
    """Count synchronising CUDA calls through ``set_sync_debug_mode``."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> '_CudaSyncCounter':
        self._warnings = warnings.catch_warnings(record=True)
        self._log = self._warnings.__enter__()
        warnings.simplefilter('always')
        torch.cuda.set_sync_debug_mode('warn')
        return self

    def __exit__(self, *exc) -> None:
        torch.cuda.set_sync_debug_mode('default')
        self.count = sum('synchroniz' in str(w.message) for w in self._log)
        self._warnings.__exit__(*exc)


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def _median_ms(fn: Callable[[], object], device: torch.device, warmup: int,
               steps: int) -> float:
    """Median wall time of ``fn`` in milliseconds, after warm-up calls."""
    for _ in range(warmup):
        fn()
    _sync(device)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def _reset_peak(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)


def _peak_mb(device: torch.device) -> float:
    """CUDA: peak allocated since the last reset; CPU: process peak RSS."""
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10


def _build_model(args: argparse.Namespace, num_classes: int,
                 variant: str) -> torch.nn.Module:
    """``RecognizerGCN`` for one step variant.

    Args:
        args (argparse.Namespace): The sizes.
        num_classes (int): Number of classes.
        variant (str): ``'ce'`` (the backbone with the cross-entropy head
            only), ``'aclnet'`` (:class:`ACLNetHead` with both losses) or
            ``'protogcn'`` (:class:`ProtoGCN` with :class:`ProtoGCNHead`,
            the authors' joint-stream settings: 400 prototypes, weight 0.2).
    """
    if variant == 'protogcn':
        backbone = dict(
            type='ProtoGCN',
            graph_cfg=dict(layout=args.layout),
            base_channels=args.base_channels,
            num_prototype=400)
        head = dict(
            type='ProtoGCNHead',
            num_classes=num_classes,
            in_channels=args.base_channels * 4,
            num_nodes=args.num_joints,
            loss_proto_weight=0.2)
        return MODELS.build(
            dict(type='RecognizerGCN', backbone=backbone, cls_head=head))
    aclnet = variant == 'aclnet'
    if args.backbone == 'aclgcn':
        backbone = dict(
            type='ACLGCN',
            graph_cfg=dict(layout=args.layout),
            base_channels=args.base_channels,
            with_topology=aclnet)
    else:
        backbone = dict(
            type='CTRGCN',
            graph_cfg=dict(layout=args.layout, mode='spatial'),
            base_channels=args.base_channels,
            with_topology=aclnet)
    head = dict(
        type='ACLNetHead',
        num_classes=num_classes,
        in_channels=args.base_channels * 4,
        num_nodes=args.num_joints,
        loss_inter=None,
        loss_intra=None)
    if aclnet:
        head.update(
            loss_inter=dict(type='AffinityContrastiveLoss'),
            loss_intra=dict(
                type='MarginContrastiveLoss', queue_size=args.queue_size))
    return MODELS.build(
        dict(type='RecognizerGCN', backbone=backbone, cls_head=head))


@torch.no_grad()
def _activate(head: torch.nn.Module, generator: torch.Generator) -> None:
    """Put the losses in their fully active state: built superclasses from
    a random confusion bank, the inter loss on, a full queue."""
    inter, intra = head.loss_inter, head.loss_intra
    if inter is not None:
        _fill_bank(inter, generator)
        inter.set_phase(stats_active=True, loss_active=True)
        inter.refresh_superclasses()
    if intra is not None:
        size = intra.queue_size
        feats = torch.randn(size, intra.proj_channels, generator=generator)
        labels = torch.randint(head.num_classes, (size, ), generator=generator)
        intra.queue_feats.copy_(torch.nn.functional.normalize(feats, dim=1))
        intra.queue_labels.copy_(labels)
        intra.queue_count.fill_(size)


@torch.no_grad()
def _fill_bank(loss: torch.nn.Module, generator: torch.Generator) -> None:
    """Sparse random confusion counts (most pairs never confused)."""
    num = loss.num_classes
    counts = torch.randint(0, 20, (num, num), generator=generator).double()
    keep = torch.rand(num, num, generator=generator) < 0.1
    loss.confusion.copy_(counts * keep * (1 - torch.eye(num)).double())


def _batch(args: argparse.Namespace, batch_size: int, num_classes: int,
           device: torch.device, generator: torch.Generator):
    shape = (batch_size, 1, args.num_persons, args.frames, args.num_joints, 3)
    inputs = torch.randn(shape, generator=generator).to(device)
    labels = torch.randint(num_classes, (batch_size, ), generator=generator)
    samples = []
    for label in labels.to(device):
        sample = ActionDataSample()
        sample.set_gt_label(label.reshape(1))
        samples.append(sample)
    return inputs, samples


def _train_step_fn(model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                   inputs: torch.Tensor, samples: list,
                   autocast: contextlib.AbstractContextManager) -> Callable:

    def step():
        with autocast:
            losses = model(inputs, samples, mode='loss')
        loss, _ = model.parse_losses(losses)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return step


def _autocast(args: argparse.Namespace, device: torch.device):
    if not args.amp:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


def _maybe_compile(model: torch.nn.Module, args: argparse.Namespace,
                   step: Callable) -> str:
    """Compile the backbone; on any failure fall back to eager.

    Returns:
        str: ``'off'``, ``'on'`` or ``'failed: <reason>'``.
    """
    if not args.compile:
        return 'off'
    eager = model.backbone
    model.backbone = torch.compile(eager)
    try:
        step()  # compiles
    except Exception as err:  # noqa: B902, any backend failure falls back
        model.backbone = eager
        torch._dynamo.reset()
        return f'failed: {type(err).__name__}: {str(err)[:200]}'
    return 'on'


def _count_flops(step: Callable) -> int:
    with FlopCounterMode(display=False) as counter:
        step()
    return counter.get_total_flops()


def _count_reads(step: Callable, device: torch.device) -> Dict[str, int]:
    with HostReadCounter() as reads:
        step()
    out = dict(host_reads=reads.count)
    if device.type == 'cuda':
        with _CudaSyncCounter() as syncs:
            step()
        out['cuda_syncs'] = syncs.count
    return out


def _interleaved_ms(fns: Dict[str, Callable], device: torch.device,
                    warmup: int, steps: int) -> Dict[str, List[float]]:
    """Milliseconds of each function per step, timed in turn.

    Each step runs every function once, in the given order on even steps
    and in reverse order on odd steps: both see the same load on a shared
    machine, and neither always runs first (after the other's memory
    traffic). Ratios of the same step are therefore comparable.

    Returns:
        dict[str, list[float]]: The ``steps`` times of each function.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    _sync(device)
    times = {name: [] for name in fns}
    names = list(fns)
    for index in range(steps):
        for name in (names if index % 2 == 0 else names[::-1]):
            start = time.perf_counter()
            fns[name]()
            _sync(device)
            times[name].append((time.perf_counter() - start) * 1e3)
    return times


def paired_overhead_pct(base_ms: Sequence[float],
                        other_ms: Sequence[float]) -> Dict[str, float]:
    """Overhead of ``other`` over ``base`` from steps timed in pairs.

    The median of the per-step ratios ``other_i / base_i`` is robust to
    load that drifts over the run (both steps of a pair see the same
    load), unlike the ratio of two medians taken at different moments.

    Args:
        base_ms (Sequence[float]): Times of the base step.
        other_ms (Sequence[float]): Times of the other step, paired.

    Returns:
        dict: ``overhead_pct`` (median of the paired ratios, minus 1, in
        percent) and ``overhead_pct_q1`` / ``overhead_pct_q3``, its lower
        and upper quartiles, which show the noise of the machine.
    """
    ratios = np.asarray(other_ms) / np.asarray(base_ms)
    q1, median, q3 = np.percentile(ratios, (25, 50, 75))
    return dict(
        overhead_pct=100 * (float(median) - 1),
        overhead_pct_q1=100 * (float(q1) - 1),
        overhead_pct_q3=100 * (float(q3) - 1))


def bench_train_steps(args: argparse.Namespace,
                      device: torch.device) -> List[Dict]:
    """(a) CE-only, (b) full ACLNet and (g) ProtoGCN training steps, plus
    (f) inference.

    The steps are timed in turn (see :func:`_interleaved_ms`); peak memory
    is measured on separate steps. ProtoGCN's trunk is ACLGCN's, so (g) is
    measured with ``--backbone aclgcn`` only.
    """
    rows = []
    for num_classes in args.num_classes:
        for batch_size in args.batch_sizes:
            row = dict(batch_size=batch_size, num_classes=num_classes)
            steps, models = {}, {}
            variants = ['ce', 'aclnet']
            if args.backbone == 'aclgcn':
                variants.append('protogcn')
            for name in variants:
                torch.manual_seed(0)
                generator = torch.Generator().manual_seed(0)
                model = _build_model(args, num_classes, name)
                model.train()
                if name == 'aclnet':
                    _activate(model.cls_head, generator)
                model.to(device)
                optimizer = torch.optim.SGD(
                    model.parameters(),
                    lr=0.025,
                    momentum=0.9,
                    nesterov=True,
                    weight_decay=5e-4)
                inputs, samples = _batch(args, batch_size, num_classes, device,
                                         generator)
                step = _train_step_fn(model, optimizer, inputs, samples,
                                      _autocast(args, device))
                row[f'{name}_flops'] = _count_flops(step)
                for key, value in _count_reads(step, device).items():
                    row[f'{name}_{key}'] = value
                row[f'{name}_compile'] = _maybe_compile(model, args, step)
                _reset_peak(device)
                step()
                row[f'{name}_peak_mb'] = _peak_mb(device)
                steps[name], models[name] = step, model
            times = _interleaved_ms(steps, device, args.warmup, args.steps)
            for name, step_times in times.items():
                median = statistics.median(step_times)
                row[f'{name}_step_ms'] = median
                row[f'{name}_tflops_per_s'] = (
                    row[f'{name}_flops'] / median / 1e9)
            row.update(paired_overhead_pct(times['ce'], times['aclnet']))
            if 'protogcn' in times:
                row.update({
                    f'protogcn_{key}': value
                    for key, value in paired_overhead_pct(
                        times['ce'], times['protogcn']).items()
                })
            row.update(
                _bench_inference(models['aclnet'], inputs, args, device))
            rows.append(row)
            del steps, models
    return rows


def _bench_inference(model: torch.nn.Module, inputs: torch.Tensor,
                     args: argparse.Namespace,
                     device: torch.device) -> Dict[str, float]:
    model.eval()

    def forward():
        with torch.inference_mode(), _autocast(args, device):
            feats, _ = model.extract_feat(inputs, stage='backbone')
            return model.cls_head(feats)

    _reset_peak(device)
    median = _median_ms(forward, device, args.warmup, args.steps)
    model.train()
    return dict(
        infer_ms=median,
        infer_samples_per_s=inputs.shape[0] / median * 1e3,
        infer_peak_mb=_peak_mb(device))


def bench_aux_losses(args: argparse.Namespace,
                     device: torch.device) -> List[Dict]:
    """(c) the two auxiliary losses alone on precomputed features."""
    rows = []
    feat_dim = args.num_joints**2
    for num_classes in args.num_classes:
        for batch_size in args.batch_sizes:
            torch.manual_seed(0)
            generator = torch.Generator().manual_seed(0)
            head = MODELS.build(
                dict(
                    type='ACLNetHead',
                    num_classes=num_classes,
                    in_channels=8,
                    num_nodes=args.num_joints,
                    loss_intra=dict(
                        type='MarginContrastiveLoss',
                        queue_size=args.queue_size)))
            _activate(head, generator)
            head.to(device)
            feats = torch.randn(batch_size, feat_dim, generator=generator)
            feats = feats.to(device).requires_grad_()
            labels = torch.randint(
                num_classes, (batch_size, ), generator=generator).to(device)
            logits = torch.randn(
                batch_size, num_classes, generator=generator).to(device)

            def step():
                with _autocast(args, device):
                    loss = (
                        head.loss_inter(feats, labels, logits) +
                        head.loss_intra(feats, labels))
                loss.backward()

            reads = _count_reads(step, device)
            median = _median_ms(step, device, args.warmup, args.steps)
            rows.append(
                dict(
                    batch_size=batch_size,
                    num_classes=num_classes,
                    aux_ms=median,
                    **reads))
    return rows


def bench_reconstruction(args: argparse.Namespace,
                         device: torch.device) -> List[Dict]:
    """(h) ProtoGCN's prototype reconstruction, batched against sample by
    sample.

    The reference reconstructs each sample's ``V * V`` joint-pair vectors
    in a Python loop over the batch; :class:`ProtoGCN` does the batch in
    one call. Both run forward and backward in training mode (dropout on)
    on the last block's topology ``(B, C_g, V * V)`` with the authors' 400
    prototypes, timed in turn.
    """
    from aclnet_mm.models.backbones.protogcn import PrototypeReconstruction
    rows = []
    channels = args.base_channels * 4
    for batch_size in args.batch_sizes:
        torch.manual_seed(0)
        prn = PrototypeReconstruction(channels, 400).to(device).train()
        graph = torch.randn(
            batch_size, channels, args.num_joints**2, device=device)
        graph.requires_grad_()

        def batched():
            out = prn(graph.transpose(1, 2)).transpose(1, 2)
            out.sum().backward()

        def per_sample():
            out = torch.stack([
                prn(graph[i].transpose(0, 1)).transpose(0, 1)
                for i in range(batch_size)
            ])
            out.sum().backward()

        times = _interleaved_ms(
            dict(batched=batched, per_sample=per_sample), device, args.warmup,
            args.steps)
        speedup = np.asarray(times['per_sample']) / np.asarray(
            times['batched'])
        rows.append(
            dict(
                batch_size=batch_size,
                batched_ms=statistics.median(times['batched']),
                per_sample_ms=statistics.median(times['per_sample']),
                speedup=float(np.median(speedup))))
    return rows


def bench_refresh(args: argparse.Namespace,
                  device: torch.device) -> List[Dict]:
    """(d) a superclass rebuild at each number of classes."""
    rows = []
    for num_classes in args.refresh_classes:
        generator = torch.Generator().manual_seed(0)
        loss = MODELS.build(
            dict(
                type='AffinityContrastiveLoss',
                num_classes=num_classes,
                in_channels=8,
                proj_channels=8))
        _fill_bank(loss, generator)
        loss.to(device)
        median = _median_ms(loss.refresh_superclasses, device, args.warmup,
                            args.steps)
        rows.append(dict(num_classes=num_classes, refresh_ms=median))
    return rows


def _raw_sample(args: argparse.Namespace, rng: np.random.Generator) -> Dict:
    """An NTU-like raw clip: two persons, a random walk of joints."""
    frames = args.raw_frames
    steps = rng.normal(scale=0.01, size=(2, frames, args.num_joints, 3))
    keypoint = (rng.normal(size=(2, 1, args.num_joints, 3)) +
                np.cumsum(steps, axis=1)).astype(np.float32)
    return dict(
        keypoint=keypoint,
        total_frames=frames,
        label=0,
        start_index=0,
        modality='Pose')


def _pipeline(args: argparse.Namespace, stream: str, prenorm: str) -> Compose:
    """ACLNet's NTU training recipe for a stream.

    See docs/advanced_guides/transforms.md.
    """
    return Compose([
        TRANSFORMS.build(t) for t in (
            dict(type=prenorm, align_spine=False),
            dict(type='RandomSkeletonRotate', theta=0.2),
            dict(type='SkeletonPartDrop', layout=args.layout, drop_ratio=0.2),
            dict(
                type='GenSkeletonStreams',
                layout=args.layout,
                feats=(stream, )),
            dict(type='UniformSampleFrames', clip_len=args.frames),
            dict(type='PoseDecode'),
            dict(type='FormatGCNInput', num_person=args.num_persons),
            dict(type='PackActionInputs'),
        )
    ])


def bench_pipeline(args: argparse.Namespace) -> List[Dict]:
    """(e) samples per second of one data worker for each stream."""
    rng = np.random.default_rng(0)
    samples = [_raw_sample(args, rng) for _ in range(8)]
    rows = []
    # Every stream with our vectorised pre-normalisation, then the first
    # one with MMAction2's PreNormalize3D for comparison.
    runs = [(stream, 'FastPreNormalize3D') for stream in args.streams]
    runs.append((args.streams[0], 'PreNormalize3D'))
    for stream, prenorm in runs:
        pipeline = _pipeline(args, stream, prenorm)
        for sample in samples[:2]:  # warm-up (imports, caches)
            pipeline(dict(sample))
        start = time.perf_counter()
        for i in range(args.pipeline_samples):
            pipeline(dict(samples[i % len(samples)]))
        seconds = time.perf_counter() - start
        rows.append(
            dict(
                stream=stream,
                prenorm=prenorm,
                samples_per_s=args.pipeline_samples / seconds,
                ms_per_sample=seconds / args.pipeline_samples * 1e3))
    return rows


def _machine(device: torch.device) -> Dict:
    info = dict(
        torch=torch.__version__,
        python=platform.python_version(),
        cpu=platform.processor() or platform.machine(),
        threads=torch.get_num_threads())
    try:
        with open('/proc/cpuinfo') as f:
            names = [
                line.split(':', 1)[1].strip() for line in f
                if line.startswith('model name')
            ]
        info['cpu'] = f'{names[0]} ({len(names)} logical cores)'
    except (OSError, IndexError):
        pass
    if device.type == 'cuda':
        info['gpu'] = torch.cuda.get_device_name(device)
    return info


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line; sizes left unset get per-device defaults."""
    parser = argparse.ArgumentParser(
        description='Benchmark ACLNet and ProtoGCN')
    parser.add_argument('--device', default='cpu', help='cpu or cuda[:i]')
    parser.add_argument(
        '--backbone', choices=('aclgcn', 'ctrgcn'), default='aclgcn')
    parser.add_argument(
        '--base-channels',
        type=int,
        help='backbone width (default: 96 for ACLGCN, 64 for CTRGCN on '
        'cuda; half that on cpu)')
    parser.add_argument('--batch-sizes', type=int, nargs='+')
    parser.add_argument('--num-classes', type=int, nargs='+', default=[60])
    parser.add_argument('--frames', type=int, help='clip length T')
    parser.add_argument('--raw-frames', type=int, default=150)
    parser.add_argument('--layout', default='nturgb+d')
    parser.add_argument('--num-persons', type=int, default=2)
    parser.add_argument('--queue-size', type=int, default=512)
    parser.add_argument(
        '--refresh-classes', type=int, nargs='+', default=[60, 120, 400])
    parser.add_argument(
        '--streams', nargs='+', choices=_STREAMS, default=list(_STREAMS))
    parser.add_argument('--pipeline-samples', type=int)
    parser.add_argument('--warmup', type=int)
    parser.add_argument('--steps', type=int)
    parser.add_argument(
        '--skip',
        nargs='+',
        default=[],
        choices=('train', 'aux', 'reconstruction', 'refresh', 'pipeline'),
        help='parts to leave out')
    parser.add_argument(
        '--amp', action='store_true', help='bf16 autocast forward')
    parser.add_argument(
        '--compile',
        action='store_true',
        help='torch.compile the backbone (eager if compiling fails)')
    parser.add_argument('--threads', type=int, help='torch CPU threads')
    parser.add_argument('--json', help='write the results here')
    parser.add_argument('--markdown', help='write the tables here')
    args = parser.parse_args(argv)

    on_gpu = args.device.startswith('cuda')
    defaults = dict(
        batch_sizes=[16, 64] if on_gpu else [8],
        frames=100 if on_gpu else 16,
        pipeline_samples=200 if on_gpu else 100,
        warmup=5 if on_gpu else 2,
        steps=20 if on_gpu else 10)
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.base_channels is None:
        width = 96 if args.backbone == 'aclgcn' else 64
        args.base_channels = width if on_gpu else width // 2
    from aclnet_mm.structures import get_layout
    args.num_joints = get_layout(args.layout).num_node
    return args


def run(args: argparse.Namespace) -> Dict:
    """Run every benchmark that is not skipped; return the results."""
    import aclnet_mm  # noqa: F401, registers our modules
    init_default_scope('mmaction')
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    results = dict(
        machine=_machine(device),
        config={
            key: value
            for key, value in vars(args).items()
            if key not in ('json', 'markdown')
        })
    sections = [
        ('train', 'train', lambda: bench_train_steps(args, device)),
        ('aux', 'aux_losses', lambda: bench_aux_losses(args, device)),
        ('reconstruction', 'reconstruction',
         lambda: bench_reconstruction(args, device)),
        ('refresh', 'refresh', lambda: bench_refresh(args, device)),
        ('pipeline', 'pipeline', lambda: bench_pipeline(args)),
    ]
    sections = [item for item in sections if item[0] not in args.skip]
    start = time.perf_counter()
    # A progress bar on stderr, so that the JSON / markdown on stdout stay
    # clean; each section takes from seconds to a minute.
    progress = progress_bar(len(sections), file=sys.stderr)
    for _, key, measure in sections:
        results[key] = measure()
        progress.update()
    sys.stderr.write('\n')
    results['total_seconds'] = time.perf_counter() - start
    results['reference_h100'] = REFERENCE_H100
    return results


def _fmt(value: float) -> str:
    if value >= 100:
        return f'{value:,.0f}'
    if value >= 10:
        return f'{value:.1f}'
    return f'{value:.2f}'


def _table(header: Sequence[str], rows: List[Sequence]) -> List[str]:
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for row in rows:
        cells = [_fmt(c) if isinstance(c, float) else str(c) for c in row]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return lines + ['']


def to_markdown(results: Dict) -> str:
    """Markdown tables of the results of :func:`run`."""
    machine = results['machine']
    config = results['config']
    lines = [
        f"Device `{config['device']}` ({machine.get('gpu', machine['cpu'])}"
        f"), torch {machine['torch']}, {machine['threads']} threads; "
        f"{config['backbone']} width {config['base_channels']}, "
        f"T={config['frames']}, V={config['num_joints']}, "
        f"M={config['num_persons']}, queue {config['queue_size']}, "
        f"amp={config['amp']}, compile={config['compile']}; medians of "
        f"{config['steps']} steps after {config['warmup']}.", ''
    ]
    if 'train' in results:
        reads = 'cuda_syncs' if 'aclnet_cuda_syncs' in results['train'][
            0] else 'host_reads'
        lines += _table(
            ('B', 'C', '(a) CE step ms', '(b) ACLNet step ms',
             '(b)/(a) - 1 % (paired median)', 'quartiles %', 'TFLOP/s (a)',
             'TFLOP/s (b)', f'{reads} (a)', f'{reads} (b)', 'peak MB (b)',
             '(f) infer samples/s', 'compile'),
            [(r['batch_size'], r['num_classes'], r['ce_step_ms'],
              r['aclnet_step_ms'], r['overhead_pct'],
              f"{r['overhead_pct_q1']:.1f} to {r['overhead_pct_q3']:.1f}",
              r['ce_tflops_per_s'], r['aclnet_tflops_per_s'], r[f'ce_{reads}'],
              r[f'aclnet_{reads}'], r['aclnet_peak_mb'],
              r['infer_samples_per_s'], r['aclnet_compile'])
             for r in results['train']])
        rows = [r for r in results['train'] if 'protogcn_step_ms' in r]
        if rows:
            lines += _table(
                ('B', 'C', '(a) CE step ms', '(g) ProtoGCN step ms',
                 '(g)/(a) - 1 % (paired median)', 'quartiles %', 'TFLOP/s (g)',
                 f'{reads} (g)', 'peak MB (g)', 'compile'),
                [(r['batch_size'], r['num_classes'], r['ce_step_ms'],
                  r['protogcn_step_ms'], r['protogcn_overhead_pct'],
                  f"{r['protogcn_overhead_pct_q1']:.1f} to "
                  f"{r['protogcn_overhead_pct_q3']:.1f}",
                  r['protogcn_tflops_per_s'], r[f'protogcn_{reads}'],
                  r['protogcn_peak_mb'], r['protogcn_compile']) for r in rows])
    if 'aux_losses' in results:
        lines += _table(
            ('B', 'C', '(c) aux losses ms', 'host reads'),
            [(r['batch_size'], r['num_classes'], r['aux_ms'], r['host_reads'])
             for r in results['aux_losses']])
    if 'reconstruction' in results:
        lines += _table(
            ('B', '(h) reconstruction ms, batched',
             'per-sample loop (reference) ms', 'speed-up (paired median)'),
            [(r['batch_size'], r['batched_ms'], r['per_sample_ms'],
              r['speedup']) for r in results['reconstruction']])
    if 'refresh' in results:
        lines += _table(
            ('C', '(d) refresh ms'),
            [(r['num_classes'], r['refresh_ms']) for r in results['refresh']])
    if 'pipeline' in results:
        lines += _table(('stream', 'pre-normalisation',
                         '(e) samples/s per worker', 'ms/sample'),
                        [(r['stream'], r['prenorm'], r['samples_per_s'],
                          r['ms_per_sample']) for r in results['pipeline']])
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    """Command-line entry point."""
    args = parse_args(argv)
    results = run(args)
    markdown = to_markdown(results)
    print(markdown)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=2)
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write(markdown + '\n')
    return results


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('tools/benchmark.py'):
        main()
