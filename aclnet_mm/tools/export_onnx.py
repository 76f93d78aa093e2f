# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Export a skeleton recognizer (backbone + classifier) to ONNX.

Only the inference path is exported: the backbone and the head's pooling
and ``fc``. The contrastive losses of ``ACLNetHead`` (projections,
prototypes, queues) are training-only and left out, and a backbone that also
returns its topology (``with_topology=True``) contributes only its feature
map. Batch and time are dynamic axes.

Example::

    python tools/deployment/export_onnx.py CONFIG CKPT --output model.onnx \\
        --num-frames 100 --num-person 2 --softmax

The exported graph takes ``keypoint`` of shape ``(N, M, T, V, C)``, i.e.
the output of ``FormatGCNInput`` for one clip, and returns ``scores``
``(N, num_classes)`` (logits, or probabilities with ``--softmax``).
"""
import argparse
from typing import Optional, Sequence

import torch
from mmengine.config import Config
from torch import Tensor, nn

__all__ = [
    'SkeletonClassifier', 'build_classifier', 'export_onnx', 'parse_args',
    'main'
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
        # and fc; the ACLNetHead losses are not on this path.
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


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line of the export tool."""
    parser = argparse.ArgumentParser(
        description='Export a skeleton recognizer to ONNX')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file')
    parser.add_argument('--output', default='model.onnx')
    parser.add_argument(
        '--num-frames', type=int, default=100, help='example T (dynamic)')
    parser.add_argument(
        '--num-person',
        type=int,
        help="M (default: the backbone's num_person, else 1)")
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
    from aclnet_mm.apis import init_recognizer, model_expectations
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    recognizer = init_recognizer(cfg, args.checkpoint, device='cpu')
    expect = model_expectations(cfg)
    backbone_cfg = cfg.model.backbone
    num_person = args.num_person or backbone_cfg.get('num_person', 1)
    channels = backbone_cfg.get('in_channels', expect['in_channels'] or 3)
    classifier = build_classifier(recognizer, args.softmax)
    export_onnx(
        classifier,
        args.output,
        num_person=num_person,
        num_frames=args.num_frames,
        num_joints=expect['num_joints'] or 25,
        in_channels=channels,
        opset=args.opset)
    print(f'exported {args.output}')
    if args.verify:
        import numpy as np
        import onnxruntime as ort
        x = torch.randn(2, num_person, args.num_frames, expect['num_joints']
                        or 25, channels)
        with torch.no_grad():
            ref = classifier(x).numpy()
        sess = ort.InferenceSession(
            args.output, providers=['CPUExecutionProvider'])
        got = sess.run(None, {'keypoint': x.numpy()})[0]
        print(f'max |onnx - torch| = {np.abs(got - ref).max():.2e}')
    return args.output


if __name__ == '__main__':
    main()
