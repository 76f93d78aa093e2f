# Copyright (c) aclnet-mm contributors. All rights reserved.
"""SLURM's variables mapped to torch's, as MMEngine's ``--launcher slurm``
maps them (``mmengine/dist/utils.py::_init_dist_slurm``)."""
import pytest

from aclnet_mm.engine.runner import slurm_to_torch_env


def test_slurm_task_to_torch_ranks():
    env = dict(
        SLURM_PROCID='5',
        SLURM_NTASKS='8',
        SLURM_LOCALID='1',
        SLURM_NODELIST='gpu[01-02]',
        MASTER_ADDR='10.0.0.1')
    slurm_to_torch_env(env)
    assert env['RANK'] == '5'
    assert env['WORLD_SIZE'] == '8'
    assert env['LOCAL_RANK'] == '1'
    assert env['MASTER_ADDR'] == '10.0.0.1'  # kept, as MMEngine does
    assert env['MASTER_PORT'] == '29500'  # MMEngine's default

    env = dict(
        SLURM_PROCID='0',
        SLURM_NTASKS='2',
        SLURM_NODELIST='n1',
        MASTER_ADDR='h',
        MASTER_PORT='1234')
    slurm_to_torch_env(env)
    assert (env['LOCAL_RANK'], env['MASTER_PORT']) == ('0', '1234')


def test_missing_slurm_variables_are_named():
    with pytest.raises(RuntimeError, match='SLURM_NTASKS, SLURM_NODELIST'):
        slurm_to_torch_env(dict(SLURM_PROCID='0'))


def test_master_from_the_node_list(tmp_path, monkeypatch):
    scontrol = tmp_path / 'scontrol'
    scontrol.write_text('#!/bin/sh\n[ "$3" = "gpu[07-08]" ] && '
                        'printf "gpu07\\ngpu08\\n"\n')
    scontrol.chmod(0o755)
    monkeypatch.setenv('PATH', str(tmp_path))
    env = dict(SLURM_PROCID='1', SLURM_NTASKS='2', SLURM_NODELIST='gpu[07-08]')
    slurm_to_torch_env(env)
    assert env['MASTER_ADDR'] == 'gpu07'

    # Without a usable scontrol the error says what to set.
    env = dict(SLURM_PROCID='1', SLURM_NTASKS='2', SLURM_NODELIST='n[1-2]')
    with pytest.raises(RuntimeError, match=r'n\[1-2\].*set MASTER_ADDR'):
        slurm_to_torch_env(env)
    monkeypatch.setenv('PATH', str(tmp_path / 'nothing'))
    with pytest.raises(RuntimeError, match='set MASTER_ADDR'):
        slurm_to_torch_env(env)
