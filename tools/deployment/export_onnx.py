# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Export a skeleton recognizer (backbone + classifier) to ONNX.

Only the inference path is exported: the backbone and the head's pooling
and ``fc``. The contrastive losses of ``ACLNetHead`` and ``ProtoGCNHead``
(projections, prototypes, queues) are training-only and left out, and a
backbone that also returns a graph (``ACLGCN`` with ``with_topology=True``,
``ProtoGCN`` with its reconstructed graph) contributes only its feature map:
what computes only that graph (e.g. ProtoGCN's prototype reconstruction) is
pruned from the exported graph. Batch and time are dynamic axes.

Example::

    python tools/deployment/export_onnx.py CONFIG CKPT --output model.onnx \\
        --softmax --verify

Persons, clip length, joints and channels come from the config's test
pipeline and backbone (:func:`export_shape`); ``--num-person`` /
``--num-frames`` override them.

The exported graph takes ``keypoint`` of shape ``(N, M, T, V, C)``, i.e.
the output of ``FormatGCNInput`` for one clip, and returns ``scores``
``(N, num_classes)`` (logits, or probabilities with ``--softmax``).
"""
import argparse
from typing import Dict, Optional, Sequence

import torch
from mmengine.config import Config
from torch import Tensor, nn

from aclnet_mm.apis import init_recognizer
from aclnet_mm.apis.cli_errors import one_line_errors
from aclnet_mm.datasets.contract import pipeline_expectations
from aclnet_mm.datasets.validation import default_in_channels
from aclnet_mm.structures import get_layout

__all__ = [
    'SkeletonClassifier', 'build_classifier', 'export_onnx', 'export_shape',
    'verify_onnx', 'parse_args', 'main'
]


class SkeletonClassifier(nn.Module):
    """The inference path of a ``RecognizerGCN``: backbone, then head.

    Args:
        backbone (nn.Module): Takes ``(N, M, T, V, C)``; may return a tuple
            whose first item is the feature map.
        head (nn.Module): A ``GCNHead`` (or subclass): pooling and ``fc``.
        softmax (bool): Return probabilities instead of logits. Defaults
            to False.
    """

    def __init__(self,
                 backbone: nn.Module,
                 head: nn.Module,
                 softmax: bool = False) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = head
        self.softmax = softmax

    def forward(self, keypoint: Tensor) -> Tensor:
        """Class scores ``(N, num_classes)`` of ``(N, M, T, V, C)`` input."""
        feats = self.backbone(keypoint)
        if isinstance(feats, (tuple, list)):
            feats = feats[0]
        # GCNHead.forward is pooling, person mean, dropout (off in eval)
        # and fc; the ACLNetHead / ProtoGCNHead losses are not on this path.
        scores = self.head(feats)
        if self.softmax:
            scores = scores.softmax(dim=-1)
        return scores


def build_classifier(recognizer: nn.Module,
                     softmax: bool = False) -> SkeletonClassifier:
    """Wrap a built ``RecognizerGCN`` for export (in eval mode)."""
    return SkeletonClassifier(recognizer.backbone, recognizer.cls_head,
                              softmax).eval()


def export_onnx(model: nn.Module,
                output: str,
                num_person: int = 1,
                num_frames: int = 100,
                num_joints: int = 25,
                in_channels: int = 3,
                batch_size: int = 1,
                opset: int = 17) -> str:
    """Export a :class:`SkeletonClassifier` with dynamic batch and time.

    Args:
        model (nn.Module): The module to export, in eval mode.
        output (str): The ``.onnx`` file.
        num_person, num_frames, num_joints, in_channels, batch_size (int):
            The example input's ``(N, M, T, V, C)``; N and T stay dynamic.
        opset (int): ONNX opset; CTR-GC's einsum needs >= 12. Defaults to
            17.

    Returns:
        str: ``output``.
    """
    model.eval()
    dummy = torch.randn(batch_size, num_person, num_frames, num_joints,
                        in_channels)
    with torch.no_grad():
        # The TorchScript exporter: the dynamo one needs onnxscript and
        # handles the data-dependent shapes of these GCNs less well.
        torch.onnx.export(
            model, (dummy, ),
            output,
            input_names=['keypoint'],
            output_names=['scores'],
            dynamic_axes=dict(
                keypoint={
                    0: 'batch',
                    2: 'time'
                }, scores={0: 'batch'}),
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False)
    return output


def export_shape(cfg: Config) -> Dict[str, int]:
    """The ``(M, T, V, C)`` of one clip, as the config's test pipeline
    makes it.

    Persons come from the pipeline's ``FormatGCNInput`` (its contract's
    ``persons_arg``), the clip length from its frame sampler
    (``clip_len_arg``), the joints from the graph layout and the channels
    from the backbone's ``in_channels`` (given, or its class default).

    Args:
        cfg (Config): The model's config.

    Returns:
        dict: ``num_person``, ``num_frames``, ``num_joints`` and
        ``in_channels``.
    """
    if cfg.model.get('cls_head') is None:
        raise ValueError(f'{cfg.model.type} has no classification head '
                         '(cls_head) to export: export the config that '
                         'classifies with it (e.g. the linear evaluation of a '
                         'self-supervised encoder)')
    pipe = pipeline_expectations(
        cfg.get('test_pipeline') or cfg.test_dataloader.dataset.pipeline)
    backbone = cfg.model.get('backbone') or {}
    layout = (backbone.get('graph_cfg') or {}).get('layout')
    if layout is None:
        layout = pipe['ske_dataset']
    # Backbones without a graph (e.g. the AS-CAL LSTM) name their joints.
    num_joints = backbone.get('num_joints')
    if num_joints is None and layout is not None:
        num_joints = get_layout(layout).num_node
    missing = [
        what for what, value in (('the number of persons (FormatGCNInput '
                                  'num_person)', pipe['num_person']),
                                 ('the clip length (UniformSampleFrames '
                                  'clip_len)', pipe['clip_len']),
                                 ('the joints (graph_cfg.layout)', num_joints))
        if value is None
    ]
    if missing:
        raise ValueError(f'cannot tell {", ".join(missing)} from the test '
                         'pipeline and backbone of the config; give them '
                         'with --num-person / --num-frames')
    channels = default_in_channels(backbone)
    return dict(
        num_person=int(pipe['num_person']),
        num_frames=int(pipe['clip_len']),
        num_joints=int(num_joints),
        in_channels=int(channels if channels is not None else 3))


def verify_onnx(classifier: nn.Module,
                output: str,
                shape: Dict[str, int],
                batch_size: int = 2,
                seed: int = 0) -> float:
    """Largest ``|onnx - torch|`` on a random batch of the export shape.

    Args:
        classifier (nn.Module): The exported module.
        output (str): The ``.onnx`` file.
        shape (dict): From :func:`export_shape`.
        batch_size (int): Batch of the check (dynamic axis). Defaults to 2.
        seed (int): Seed of the input. Defaults to 0.

    Returns:
        float: The largest absolute difference.
    """
    import onnxruntime as ort
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(
        batch_size,
        shape['num_person'],
        shape['num_frames'],
        shape['num_joints'],
        shape['in_channels'],
        generator=generator)
    with torch.no_grad():
        ref = classifier(x).numpy()
    sess = ort.InferenceSession(output, providers=['CPUExecutionProvider'])
    got = sess.run(None, {'keypoint': x.numpy()})[0]
    return float(abs(got - ref).max())


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line of the export tool."""
    parser = argparse.ArgumentParser(
        description='Export a skeleton recognizer to ONNX')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file')
    parser.add_argument('--output', default='model.onnx')
    parser.add_argument(
        '--num-frames',
        type=int,
        help='example T (dynamic; default: the clip length of the test '
        'pipeline)')
    parser.add_argument(
        '--num-person',
        type=int,
        help='M (default: FormatGCNInput num_person of the test pipeline)')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument(
        '--softmax', action='store_true', help='output probabilities')
    parser.add_argument(
        '--verify',
        action='store_true',
        help='run onnxruntime on a random input and compare with PyTorch')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> str:
    """Run the tool; return the path of the ONNX file."""
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    recognizer = init_recognizer(cfg, args.checkpoint, device='cpu')
    shape = export_shape(cfg)
    if args.num_person is not None:
        shape['num_person'] = args.num_person
    if args.num_frames is not None:
        shape['num_frames'] = args.num_frames
    classifier = build_classifier(recognizer, args.softmax)
    export_onnx(classifier, args.output, opset=args.opset, **shape)
    print(f'exported {args.output} for (N, M, T, V, C) = (N, '
          f'{shape["num_person"]}, {shape["num_frames"]}, '
          f'{shape["num_joints"]}, {shape["in_channels"]})')
    if args.verify:
        error = verify_onnx(classifier, args.output, shape)
        print(f'max |onnx - torch| = {error:.2e}')
    return args.output


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('tools/deployment/export_onnx.py'):
        main()
