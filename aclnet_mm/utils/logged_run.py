# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Reproducible, logged runs of the command-line tools in subprocesses.

``tools/run_demo.py`` and ``tools/ablation.py`` start each training and
test as a real ``tools/train.py`` / ``tools/test.py`` process, as a user
would; these helpers give every such process the same thread count and
keep its whole output in a log file.
"""
import os
import os.path as osp
import subprocess
from typing import Dict, List, Optional, Sequence

__all__ = ['deterministic_env', 'run_logged']


def deterministic_env(threads: int) -> Dict[str, str]:
    """The environment of a training or test process of the tools.

    The thread count is the tool's, not the shell's: it changes the order
    of floating-point sums, hence the figures. cuBLAS needs a fixed
    workspace for deterministic GEMMs when a GPU is used.

    Args:
        threads (int): Threads of torch, OpenMP, MKL and OpenBLAS.

    Returns:
        dict: A copy of ``os.environ`` with those variables set.
    """
    env = dict(os.environ)
    for key in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):
        env[key] = str(threads)
    env['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'
    return env


def run_logged(cmd: List[str],
               log_file: str,
               echo: Sequence[str] = ('Epoch(val)', ),
               prefix: str = '',
               env: Optional[Dict[str, str]] = None) -> None:
    """Run ``cmd``, keep its whole output in ``log_file``, echo some lines.

    Args:
        cmd (list[str]): The command.
        log_file (str): Where stdout and stderr go.
        echo (Sequence[str]): Lines containing any of these are printed.
        prefix (str): Printed before each echoed line.
        env (dict, optional): Environment of the command.

    Raises:
        RuntimeError: If the command fails; the message has the log's tail.
    """
    os.makedirs(osp.dirname(log_file), exist_ok=True)
    with open(log_file, 'w') as log:
        process = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            env=env)
        for line in process.stdout:
            log.write(line)
            if any(key in line for key in echo):
                message = line.rstrip().split(' - ')[-1]
                print(f'{prefix}    {message}', flush=True)
        returncode = process.wait()
    if returncode != 0:
        with open(log_file) as log:
            tail = ''.join(log.readlines()[-40:])
        raise RuntimeError(f'{" ".join(cmd)} failed with exit code '
                           f'{returncode}; the end of {log_file}:\n{tail}')
