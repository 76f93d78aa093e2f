# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Skeleton action recognition on a video, a webcam or images, offline.

People are found and posed by the embedded BlazePose estimator (OpenCV's
HOG people detector + MediaPipe BlazePose, both shipped in their wheels),
or by MMPose when installed; they are tracked across frames, and every
person's sliding windows of poses are classified by a recognizer. With no
``--config`` / ``--checkpoint``, the ACLNet model that ``make demo``
trained on the embedded BODY-25 set is used (trained first when missing).

Examples::

    python demo/demo_skeleton.py vtest.avi out.mp4            # + out.json
    python demo/demo_skeleton.py 0 out.mp4 --show             # webcam 0
    python demo/demo_skeleton.py frames/ out.mp4 \\
        --config CONFIG --checkpoint CKPT --label-map classes.txt
    python demo/demo_skeleton.py video.mp4 out.mp4 --pose-estimator mmpose \\
        --pose-config rtmpose-m_8xb256-420e_body8-256x192
"""
import argparse
import os.path as osp
import subprocess
import sys
from typing import Callable, List, Optional, Sequence, Tuple

from mmengine import DictAction

from aclnet_mm.datasets import load_class_names

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: What ``make demo`` (``tools/run_demo.py``) trains, relative to the
#: repository root: the ACLNet config, its run directory, the class names.
DEMO_CONFIG = osp.join(
    'configs', 'aclnet', 'aclnet_aclgcn_1xb16_joint_u24_30e_'
    'body25_embedded_keypoint_2d.py')
DEMO_RUN_DIR = osp.join('work_dirs', 'demo', 'aclnet')
DEMO_CLASSES = osp.join('data', 'embedded', 'body25_2d_classes.txt')


def _last_checkpoint(run_dir: str) -> Optional[str]:
    pointer = osp.join(run_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        path = f.read().strip()
    if not osp.isabs(path):
        # MMEngine writes it relative to where training ran: the root.
        path = osp.join(osp.dirname(osp.dirname(osp.dirname(run_dir))), path)
    return path if osp.isfile(path) else None


def find_demo_model(
        root: str,
        train_if_missing: bool = True,
        log: Callable[[str], None] = print) -> Tuple[str, str, List[str]]:
    """The ACLNet model ``make demo`` trained on the embedded BODY-25 set.

    Args:
        root (str): The repository root (where ``make demo`` ran).
        train_if_missing (bool): When there is no checkpoint, train it with
            ``tools/run_demo.py --runs aclnet`` (a few minutes on a CPU)
            and say so. Defaults to True.
        log (Callable): Where messages go. Defaults to ``print``.

    Returns:
        tuple: ``(config, checkpoint, class_names)``.
    """
    root = osp.abspath(root)
    run_dir = osp.join(root, DEMO_RUN_DIR)
    checkpoint = _last_checkpoint(run_dir)
    if checkpoint is None:
        if not train_if_missing:
            raise FileNotFoundError(
                f'no trained demo model in {run_dir}: run `make demo` first, '
                'or give --config and --checkpoint')
        log(f'no trained model in {run_dir} (`make demo` writes it): '
            'training it first with `python tools/run_demo.py --runs aclnet` '
            '(ACLNet on the embedded BODY-25 set, a few minutes on a CPU)')
        subprocess.run([
            sys.executable,
            osp.join('tools', 'run_demo.py'), '--runs', 'aclnet'
        ],
                       cwd=root,
                       check=True)
        checkpoint = _last_checkpoint(run_dir)
        if checkpoint is None:
            raise RuntimeError(f'training ended without a checkpoint in '
                               f'{run_dir}')
    classes = load_class_names(osp.join(root, DEMO_CLASSES))
    return osp.join(root, DEMO_CONFIG), checkpoint, classes


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the demo's command line."""
    parser = argparse.ArgumentParser(
        description='aclnet-mm skeleton action demo: video, webcam or '
        'images in; annotated video and JSON of windows out')
    parser.add_argument(
        'video',
        help='video file, webcam index (e.g. 0), image or image folder')
    parser.add_argument(
        'out_filename',
        nargs='?',
        help='annotated output video (.mp4), or image for an image input; '
        'the JSON of windows goes beside it')
    parser.add_argument(
        '--config',
        help='recognizer config (default: the ACLNet model of make demo)')
    parser.add_argument('--checkpoint', help='its checkpoint')
    parser.add_argument(
        '--label-map',
        help="class names, one a line (default: the config's class_names)")
    parser.add_argument(
        '--out-json', help='JSON of windows (default: beside the video)')
    parser.add_argument(
        '--pose-estimator',
        default='blazepose',
        choices=('blazepose', 'mmpose'),
        help='blazepose (embedded, offline) or mmpose (needs MMPose)')
    parser.add_argument(
        '--pose-config',
        default='human',
        help='MMPose model alias or config (with --pose-estimator mmpose)')
    parser.add_argument('--pose-checkpoint', help='MMPose checkpoint')
    parser.add_argument('--det-config', help='MMDetection person detector')
    parser.add_argument('--det-checkpoint', help='its checkpoint')
    parser.add_argument(
        '--no-person-detector',
        action='store_true',
        help='BlazePose on whole frames (one person), no HOG detector')
    parser.add_argument(
        '--det-interval',
        type=int,
        default=1,
        help='run the person detector every N frames (between, boxes follow '
        'the landmarks; faster, for webcams)')
    parser.add_argument(
        '--window',
        type=int,
        help="poses per window (default: the config's clip length)")
    parser.add_argument(
        '--stride',
        type=int,
        help='poses between windows of a person (default: window / 4)')
    parser.add_argument('--topk', type=int, default=5)
    parser.add_argument(
        '--coordinates',
        default='auto',
        choices=('auto', 'openpose_kit', 'pixel'),
        help='how keypoints are normalised for the model (auto: from its '
        'config)')
    parser.add_argument(
        '--pose-only',
        action='store_true',
        help='pose estimation and tracking only, no action model')
    parser.add_argument(
        '--max-frames', type=int, help='stop after this many frames')
    parser.add_argument(
        '--show', action='store_true', help='show the frames in a window')
    parser.add_argument(
        '--device', default='cpu', help='device of the action model')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='override settings of the recognizer config, key=value')
    args = parser.parse_args(argv)
    if (args.config is None) != (args.checkpoint is None):
        parser.error('give both --config and --checkpoint, or neither (then '
                     'the model of make demo is used)')
    if args.out_filename is None and not args.show and not args.out_json:
        parser.error('nothing to do: give out_filename, --out-json or --show')
    return args


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Run the demo; return the summary written to the JSON."""
    args = parse_args(argv)
    # The demo's video pipeline, demo/video/: this script's folder is first
    # on sys.path when it runs.
    from video import (BlazePoseEstimator, HOGPersonDetector,
                       SkeletonVideoRecognizer, build_pose_estimator,
                       run_video_demo)

    from aclnet_mm.apis import init_recognizer

    model, meta, class_names = None, {}, None
    if not args.pose_only:
        config, checkpoint = args.config, args.checkpoint
        if config is None:
            config, checkpoint, class_names = find_demo_model(ROOT)
            print(f'model: the ACLNet demo model {checkpoint}')
        model = init_recognizer(
            config,
            checkpoint,
            device=args.device,
            cfg_options=args.cfg_options)
        meta = dict(config=config, checkpoint=checkpoint)
    if args.label_map:
        class_names = load_class_names(args.label_map)

    if args.pose_estimator == 'blazepose':
        estimator = BlazePoseEstimator(
            detector=None if args.no_person_detector else HOGPersonDetector(),
            use_detector=not args.no_person_detector,
            det_interval=args.det_interval)
    else:
        estimator = build_pose_estimator(
            'mmpose',
            pose2d=args.pose_config,
            pose2d_weights=args.pose_checkpoint,
            det_model=args.det_config,
            det_weights=args.det_checkpoint,
            device=args.device)
    meta['pose_estimator'] = args.pose_estimator
    recognizer = SkeletonVideoRecognizer(
        model,
        estimator,
        window=args.window,
        stride=args.stride,
        topk=args.topk,
        class_names=class_names,
        coordinates=args.coordinates)
    try:
        return run_video_demo(
            args.video,
            recognizer,
            out_file=args.out_filename,
            json_file=args.out_json,
            show=args.show,
            max_frames=args.max_frames,
            meta=meta)
    finally:
        estimator.close()


if __name__ == '__main__':
    sys.path.insert(0, ROOT)  # run from a clone without installing
    main()
