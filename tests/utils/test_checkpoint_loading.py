# Copyright (c) aclnet-mm contributors. All rights reserved.
"""The checkpoint trust boundary (docs/advanced_guides/reliability.md).

A ``.pth`` whose unpickling would run code is refused on every route a
user loads a checkpoint by, and nothing in it runs: MMEngine's own
loaders (which importing aclnet_mm no longer changes, so torch's safe
default refuses it), and our tools and APIs (one policy,
``aclnet_mm.utils.checkpoint_loading``, whose message names the file and
the opt-in). Opting in is explicit and warns.
"""
import os
import pickle
import shutil

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import load_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader
from tool_scripts import load_tool, write_text_runtime

from aclnet_mm.utils.checkpoint_loading import (UNSAFE_LOAD_ENV,
                                                UnsafeCheckpointError,
                                                cached_download_path,
                                                load_checkpoint_file)

dump_synthetic_skeleton_dataset = load_tool(
    'data/synthetic.py').dump_synthetic_skeleton_dataset

_CONFIG = """
_base_ = [{runtime!r}]
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='STGCN', base_channels=4, num_stages=1, inflate_stages=[],
        down_stages=[], graph_cfg=dict(layout='nturgb+d',
                                       mode='stgcn_spatial')),
    cls_head=dict(type='GCNHead', num_classes=2, in_channels=4))
test_dataloader = dict(
    batch_size=2, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='PoseDataset', ann_file={ann_file!r}, split='test',
        test_mode=True,
        pipeline=[
            dict(type='PreNormalize3D'),
            dict(type='GenSkeFeat', dataset='nturgb+d', feats=['j']),
            dict(type='UniformSampleFrames', clip_len=4, test_mode=True),
            dict(type='PoseDecode'),
            dict(type='FormatGCNInput', num_person=2),
            dict(type='PackActionInputs')]))
test_evaluator = [dict(type='AccMetric')]
test_cfg = dict(type='TestLoop')
log_level = 'WARNING'
"""


class _Payload:
    """Unpickling this calls ``os.makedirs(marker)``: stands for any code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.makedirs, (self.marker, )


@pytest.fixture
def poisoned(tmp_path):
    marker = tmp_path / 'code_ran'
    path = tmp_path / 'poisoned.pth'
    torch.save(
        dict(state_dict=dict(w=torch.ones(2)), meta=_Payload(marker)), path)
    return str(path), marker


@pytest.fixture
def tiny_config(tmp_path):
    ann_file = dump_synthetic_skeleton_dataset(
        str(tmp_path / 'data.pkl'),
        num_classes=2,
        samples_per_class=4,
        num_frames=4,
        seed=0)
    path = tmp_path / 'tiny.py'
    path.write_text(
        _CONFIG.format(
            runtime=write_text_runtime(tmp_path), ann_file=ann_file))
    return str(path)


def _refused_by_us(err, path):
    message = str(err)
    assert path in message and UNSAFE_LOAD_ENV in message
    assert '--unsafe-load' in message


def test_mmengine_loaders_refuse_without_running_code(poisoned):
    """MMEngine's loaders keep torch's safe default: refused, not run."""
    path, marker = poisoned
    model = torch.nn.Linear(2, 1)
    with pytest.raises(pickle.UnpicklingError, match='weights_only'):
        load_checkpoint(model, path, map_location='cpu')
    with pytest.raises(pickle.UnpicklingError, match='weights_only'):
        CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert not marker.exists()


def _serve(serve_dir, path):
    """The URL of a copy of ``path`` served over HTTP."""
    served, base_url = serve_dir
    shutil.copy(path, served / os.path.basename(path))
    return f'{base_url}/{os.path.basename(path)}'


def test_mmengine_http_loader_unpickles_fully(poisoned, serve_dir):
    """Why our load sites fetch URLs themselves: MMEngine hands ``http(s)``
    files to ``torch.hub.load_state_dict_from_url``, whose default is
    ``weights_only=False``: the pickled code runs."""
    path, marker = poisoned
    url = _serve(serve_dir, path)
    CheckpointLoader.load_checkpoint(url, map_location='cpu')
    assert marker.is_dir()


def test_remote_checkpoints_are_refused_naming_url_and_opt_in(
        poisoned, serve_dir, tiny_config, tmp_path, monkeypatch):
    from aclnet_mm.apis import init_recognizer
    test = load_tool('test.py')
    path, marker = poisoned
    monkeypatch.delenv(UNSAFE_LOAD_ENV, raising=False)
    url = _serve(serve_dir, path)

    with pytest.raises(UnsafeCheckpointError) as info:
        load_checkpoint_file(url)
    _refused_by_us(info.value, url)

    with pytest.raises(UnsafeCheckpointError) as info:
        init_recognizer(tiny_config, url, device='cpu')
    _refused_by_us(info.value, url)

    # tools/test.py CKPT, i.e. the runner's load_from.
    with pytest.raises(UnsafeCheckpointError) as info:
        test.main([tiny_config, url, '--work-dir', str(tmp_path / 'work')])
    _refused_by_us(info.value, url)
    assert not marker.exists()

    # The documented opt-in applies to a downloaded file as to a local one.
    with pytest.warns(UserWarning, match=UNSAFE_LOAD_ENV):
        ckpt = load_checkpoint_file(url, allow_unsafe=True)
    assert marker.is_dir()
    torch.testing.assert_close(ckpt['state_dict']['w'], torch.ones(2))


def test_remote_clean_checkpoints_load_and_are_cached(serve_dir, tiny_config,
                                                      tmp_path):
    from aclnet_mm.apis import init_recognizer
    model = init_recognizer(tiny_config, device='cpu')
    state = {
        k: torch.randn_like(v) if v.is_floating_point() else v + 1
        for k, v in model.state_dict().items()
    }
    path = tmp_path / 'clean.pth'
    torch.save(dict(state_dict=state, meta=dict(best=np.float64(0.5))), path)
    url = _serve(serve_dir, path)

    loaded = init_recognizer(tiny_config, url, device='cpu')
    for key, value in loaded.state_dict().items():
        torch.testing.assert_close(value, state[key], rtol=0, atol=0)
    assert loaded.checkpoint_path == url
    # Downloaded once into our cache under torch hub's directory.
    cached = cached_download_path(url)
    assert cached.startswith(str(tmp_path / 'torch_home' / 'hub'))
    cached = tmp_path / cached
    assert cached.read_bytes() == path.read_bytes()
    os.remove(serve_dir[0] / 'clean.pth')
    assert load_checkpoint_file(url)['meta']['best'] == 0.5


def test_our_tools_and_apis_refuse_naming_file_and_opt_in(
        poisoned, tiny_config, tmp_path, capsys, monkeypatch):
    from aclnet_mm.apis import init_recognizer
    convert_checkpoint, test = map(load_tool,
                                   ('convert_checkpoint.py', 'test.py'))
    path, marker = poisoned
    monkeypatch.delenv(UNSAFE_LOAD_ENV, raising=False)

    with pytest.raises(UnsafeCheckpointError) as info:
        test.main([tiny_config, path, '--work-dir', str(tmp_path / 'work')])
    _refused_by_us(info.value, path)

    assert convert_checkpoint.main([path, str(tmp_path / 'out.pth')]) == 1
    _refused_by_us(capsys.readouterr().err, path)
    assert not (tmp_path / 'out.pth').exists()

    with pytest.raises(UnsafeCheckpointError) as info:
        init_recognizer(tiny_config, path, device='cpu')
    _refused_by_us(info.value, path)

    with pytest.raises(UnsafeCheckpointError) as info:
        load_checkpoint_file(path)
    _refused_by_us(info.value, path)
    assert not marker.exists()


def test_opting_in_runs_the_code_and_warns(poisoned, monkeypatch):
    """The documented boundary: an opted-in file is trusted, and its
    pickled code runs; the opt-in is explicit and warns."""
    path, marker = poisoned
    with pytest.warns(UserWarning, match='full unpickling'):
        ckpt = load_checkpoint_file(path, allow_unsafe=True)
    assert marker.is_dir()
    torch.testing.assert_close(ckpt['state_dict']['w'], torch.ones(2))
    os.rmdir(marker)
    monkeypatch.setenv(UNSAFE_LOAD_ENV, '1')
    with pytest.warns(UserWarning, match=UNSAFE_LOAD_ENV):
        load_checkpoint_file(path)
    assert marker.is_dir()


def test_plain_data_loads_with_numpy_allowed_only_for_the_call(tmp_path):
    """numpy values (mmcv-1.x metas) are allowed in a scoped allow-list;
    torch's process-wide list stays as it was."""
    path = tmp_path / 'weights.pth'
    torch.save(
        dict(
            state_dict=dict(w=torch.arange(3.)),
            meta=dict(best=np.float64(0.5), hist=np.arange(3))), path)
    before = set(map(repr, torch.serialization.get_safe_globals()))
    ckpt = load_checkpoint_file(str(path))
    assert ckpt['meta']['best'] == 0.5
    np.testing.assert_array_equal(ckpt['meta']['hist'], np.arange(3))
    assert set(map(repr, torch.serialization.get_safe_globals())) == before
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)  # outside our load site: torch's own default


def test_mmengine_message_hub_is_refused_without_plain_data_hook(tmp_path):
    """What MMEngine alone writes (a HistoryBuffer) is not allow-listed."""
    path = tmp_path / 'epoch_1.pth'
    torch.save(
        dict(
            message_hub=dict(log_scalars=dict(
                loss=HistoryBuffer([1.0], [1])))), path)
    with pytest.raises(UnsafeCheckpointError, match='epoch_1.pth'):
        load_checkpoint_file(str(path))


def test_truncated_and_damaged_files_are_refused_by_name(tmp_path):
    path = tmp_path / 'weights.pth'
    torch.save({'state_dict': {'w': torch.arange(256.)}}, path)
    data = path.read_bytes()
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError, match='truncated.pth'):
        load_checkpoint_file(str(truncated))
    damaged = bytearray(data)
    damaged[data.index(torch.arange(256.).numpy().tobytes()[64:96])] ^= 0xFF
    (tmp_path / 'damaged.pth').write_bytes(bytes(damaged))
    with pytest.raises(RuntimeError, match=r'damaged\.pth.*CRC'):
        load_checkpoint_file(str(tmp_path / 'damaged.pth'))
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        load_checkpoint_file(str(tmp_path / 'missing.pth'))


class _OpenPayload:
    """Unpickling this calls ``io.open(path, 'w')``: a global torch does not
    block by module, so torch's message advises allow-listing it."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        import io
        return io.open, (self.path, 'w')


def test_refusal_never_advises_allow_listing_the_global(tmp_path, monkeypatch):
    monkeypatch.delenv(UNSAFE_LOAD_ENV, raising=False)
    marker = tmp_path / 'written'
    path = tmp_path / 'opens.pth'
    torch.save(dict(meta=_OpenPayload(marker)), path)
    with pytest.raises(UnsafeCheckpointError) as info:
        load_checkpoint_file(str(path))
    message = str(info.value)
    _refused_by_us(message, str(path))
    assert 'safe_globals' not in message and 'allowlist' not in message
    assert 'the global io.open' in message
    assert '\x1b' not in message
    assert not marker.exists()


def _weights(path, value):
    torch.save(dict(state_dict=dict(w=torch.full((2, ), float(value)))), path)
    return str(path)


def test_cache_is_keyed_on_the_full_url(serve_dir, tmp_path):
    """Two URLs with the same file name are two files, not one cached."""
    served, base_url = serve_dir
    for folder, value in (('a', 1), ('b', 2)):
        (served / folder).mkdir()
        _weights(served / folder / 'model.pth', value)
    first = load_checkpoint_file(f'{base_url}/a/model.pth')
    second = load_checkpoint_file(f'{base_url}/b/model.pth')
    torch.testing.assert_close(first['state_dict']['w'], torch.ones(2))
    torch.testing.assert_close(second['state_dict']['w'], torch.full((2, ),
                                                                     2.))
    assert cached_download_path(f'{base_url}/a/model.pth') != \
        cached_download_path(f'{base_url}/b/model.pth')


def test_sha256_prefix_in_the_file_name_is_checked(serve_dir, tmp_path):
    import hashlib
    served, base_url = serve_dir
    path = _weights(tmp_path / 'weights.pth', 3)
    digest = hashlib.sha256(open(path, 'rb').read()).hexdigest()
    shutil.copy(path, served / f'model-{digest[:8]}.pth')
    good = load_checkpoint_file(f'{base_url}/model-{digest[:8]}.pth')
    torch.testing.assert_close(good['state_dict']['w'], torch.full((2, ), 3.))

    wrong = '0' * 8 if digest[:8] != '0' * 8 else '1' * 8
    shutil.copy(path, served / f'model-{wrong}.pth')
    url = f'{base_url}/model-{wrong}.pth'
    with pytest.raises(RuntimeError) as info:
        load_checkpoint_file(url)
    message = str(info.value)
    assert url in message and wrong in message and digest in message
    assert not os.path.exists(cached_download_path(url))


def test_file_urls_load_or_are_refused_clearly(tmp_path):
    path = _weights(tmp_path / 'model.pth', 4)
    for url in (f'file://{path}', f'file://localhost{path}'):
        loaded = load_checkpoint_file(url)
        torch.testing.assert_close(loaded['state_dict']['w'],
                                   torch.full((2, ), 4.))
    with pytest.raises(ValueError, match='file:///path'):
        load_checkpoint_file(f'file://otherhost{path}')


def test_runner_load_from_a_file_url(tmp_path):
    """``tools/test.py CONFIG file:///path/model.pth`` sets ``load_from``;
    the runner's load goes through the same loader."""
    from aclnet_mm.engine.runner import SafeCheckpointRunner
    model = torch.nn.Linear(2, 1)
    state = {k: torch.randn_like(v) for k, v in model.state_dict().items()}
    path = tmp_path / 'model.pth'
    torch.save(dict(state_dict=state), path)
    runner = SafeCheckpointRunner(
        model=model,
        work_dir=str(tmp_path / 'work'),
        load_from=f'file://{path}',
        default_scope='mmaction')
    runner.load_or_resume()
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, state[key], rtol=0, atol=0)
