# Copyright (c) aclnet-mm contributors. All rights reserved.
"""What makes ``make demo`` print the same figures on every run."""
import os.path as osp

from mmengine.config import Config
from tool_scripts import load_tool

from aclnet_mm.utils.logged_run import deterministic_env

DEMO_RUNS = load_tool('run_demo.py').DEMO_RUNS
parse_args = load_tool('run_demo.py').parse_args

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_thread_count_is_the_tools_not_the_shells(monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '7')
    monkeypatch.setenv('MKL_NUM_THREADS', '7')
    assert parse_args([]).threads == 1
    env = deterministic_env(parse_args([]).threads)
    assert env['OMP_NUM_THREADS'] == env['MKL_NUM_THREADS'] == '1'
    assert env['OPENBLAS_NUM_THREADS'] == '1'
    assert env['CUBLAS_WORKSPACE_CONFIG'] == ':4096:8'
    assert deterministic_env(3)['OMP_NUM_THREADS'] == '3'


def test_demo_configs_are_seeded_and_deterministic():
    for _, config in DEMO_RUNS:
        cfg = Config.fromfile(osp.join(REPO, config))
        assert cfg.randomness == dict(seed=0, deterministic=True), config
