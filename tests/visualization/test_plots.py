# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Every plot kind: the file is written, non-blank, and right in content."""
import json
import pickle

import numpy as np
import pytest
import torch
from PIL import Image

from aclnet_mm import visualization as vis

NAMES = ['walk', 'run', 'jump', 'sit']


def _check_png(path, min_side=100):
    """Readable, big enough, and not a blank page."""
    img = np.asarray(Image.open(path).convert('RGB'), dtype=np.int64)
    assert img.shape[0] >= min_side and img.shape[1] >= min_side
    # Many pixels differ from the background (the top-left corner).
    differs = np.abs(img - img[0, 0]).sum(-1) > 30
    assert differs.mean() > 0.01
    return img


def _refresh_json(path, epoch=7):
    members = {0: [1], 1: [0, 2], 2: [1], 3: [0]}
    classes = [
        dict(
            index=i,
            name=NAMES[i],
            members=m,
            member_names=[NAMES[j] for j in m],
            size=len(m),
            tau=0.1 if len(m) < 2 else 0.5) for i, m in members.items()
    ]
    data = dict(
        epoch=epoch,
        modules={'cls_head.loss_inter': dict(faithful=True, classes=classes)})
    path.write_text(json.dumps(data))
    return str(path)


def test_superclass_plots(tmp_path):
    path = _refresh_json(tmp_path / 'superclasses_epoch_7.json')
    sc = vis.load_superclasses(path)
    assert sc.epoch == 7 and sc.names == NAMES
    expected = np.zeros((4, 4), bool)
    expected[[0, 1, 1, 2, 3], [1, 0, 2, 1, 0]] = True
    np.testing.assert_array_equal(sc.mask, expected)
    np.testing.assert_allclose(sc.tau, [0.1, 0.5, 0.1, 0.1])
    vis.plot_superclass_graph(path, str(tmp_path / 'g.png'))
    _check_png(tmp_path / 'g.png')
    vis.plot_superclass_matrix(path, str(tmp_path / 'm.svg'))
    svg = (tmp_path / 'm.svg').read_text()
    assert svg.startswith('<?xml') and all(n in svg for n in NAMES)
    with pytest.raises(KeyError, match='no module'):
        vis.load_superclasses(path, module='nope')


def test_heatmap_cells_follow_values(tmp_path):
    matrix = np.zeros((4, 4))
    matrix[2, 1] = 5  # one hot cell
    vis.plot_heatmap(
        matrix, str(tmp_path / 'h.png'), NAMES, cmap='Reds', annotate=False)
    img = _check_png(tmp_path / 'h.png')
    # Pixels of the map's top colour: the (2, 1) cell (and the colour
    # bar's top, cut off on the right).
    from matplotlib import colormaps
    top = np.asarray(colormaps['Reds'](1.0)[:3]) * 255
    hot = np.abs(img - top).sum(-1) < 20
    ys, xs = np.nonzero(hot[:, :int(img.shape[1] * 0.75)])
    assert len(ys) > 20
    # The bright block is one compact square.
    assert np.ptp(ys) < img.shape[0] / 4 and np.ptp(xs) < img.shape[1] / 4
    with pytest.raises(ValueError, match='square'):
        vis.plot_heatmap(np.zeros((2, 3)), str(tmp_path / 'x.png'))


def test_confusion_from_dump_and_checkpoint(tmp_path):
    labels = np.array([0, 0, 1, 2, 3, 3])
    preds = np.array([0, 1, 1, 2, 3, 0])
    dump = [
        dict(
            pred_score=torch.eye(4)[p] * 0.9 + 0.025,
            gt_label=torch.tensor([y])) for y, p in zip(labels, preds)
    ]
    with open(tmp_path / 'd.pkl', 'wb') as f:
        pickle.dump(dump, f)
    matrix = vis.plot_confusion_from_dump(
        str(tmp_path / 'd.pkl'), str(tmp_path / 'c.png'), NAMES)
    expected = np.zeros((4, 4), int)
    for y, p in zip(labels, preds):
        expected[y, p] += 1
    np.testing.assert_array_equal(matrix, expected)
    np.testing.assert_array_equal(
        vis.confusion_matrix(labels, preds, 4), expected)
    _check_png(tmp_path / 'c.png')

    conf = torch.arange(16.).reshape(4, 4)
    torch.save(
        dict(state_dict={'cls_head.loss_inter.confusion': conf}),
        tmp_path / 'e.pth')
    got = vis.plot_confusion_statistics(
        str(tmp_path / 'e.pth'), str(tmp_path / 's.png'), NAMES)
    np.testing.assert_array_equal(got, conf.numpy())
    _check_png(tmp_path / 's.png')


def test_training_curves(tmp_path):
    lines = []
    for it in range(1, 21):  # 10 iterations per epoch
        lines.append(
            dict(
                loss_cls=3. - it * 0.1,
                loss_inter=0.,
                loss_intra=0.1,
                top1_acc=it / 20,
                tau_mean=0.1,
                epoch=(it - 1) // 10 + 1,
                iter=it,
                step=it))
        if it % 10 == 0:
            lines.append({'acc/top1': it / 25, 'step': it // 10})
    path = tmp_path / 'scalars.json'
    path.write_text('\n'.join(json.dumps(r) for r in lines) + '\n')
    series = vis.load_scalars(str(path))
    x, y = series['train']['loss_cls']
    np.testing.assert_allclose(x, np.arange(1, 21) / 10)
    np.testing.assert_allclose(y, 3. - np.arange(1, 21) * 0.1)
    np.testing.assert_array_equal(series['val']['acc/top1'][0], [1, 2])
    keys = vis.plot_training_curves(
        str(path),
        str(tmp_path / 'c.png'),
        keys=('loss_cls', 'acc/top1', 'missing'))
    assert keys == ['loss_cls', 'acc/top1']
    _check_png(tmp_path / 'c.png')
    with pytest.raises(ValueError, match='none of'):
        vis.plot_training_curves(
            str(path), str(tmp_path / 'x.png'), ('nope', ))


@pytest.mark.parametrize('dim', [2, 3])
def test_skeleton_gif_and_strip(tmp_path, dim):
    rng = np.random.default_rng(0)
    kp = rng.normal(size=(1, 4, 17, dim))
    kp[0, :, 5] = 0  # an unseen joint is skipped, not drawn at the origin
    frames = vis.render_skeleton_frames(
        kp, 'coco', title='run', size=2, dpi=50)
    assert len(frames) == 4 and frames[0].shape == (100, 100, 3)
    assert not np.array_equal(frames[0], frames[1])  # the pose moves
    gif = tmp_path / 'a.gif'
    vis.render_skeleton_gif(
        kp,
        'coco',
        str(gif),
        title='run',
        fps=5,
        size=2,
        dpi=50,
        frames_dir=str(tmp_path / 'frames'))
    with Image.open(gif) as im:
        assert im.n_frames == 4 and im.size == (100, 100)
    assert len(list((tmp_path / 'frames').glob('frame_*.png'))) == 4
    shown = vis.plot_skeleton_strip(
        kp,
        'coco',
        str(tmp_path / 's.png'),
        title='true run, predicted run',
        num_frames=3)
    assert shown == [0, 2, 3] or shown == [0, 1, 3]
    _check_png(tmp_path / 's.png')
    with pytest.raises(ValueError, match='layout'):
        vis.render_skeleton_frames(kp, 'nturgb+d')
