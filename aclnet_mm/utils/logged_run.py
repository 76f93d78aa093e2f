# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Reproducible, logged runs of the command-line tools in subprocesses.

``tools/run_demo.py`` and ``tools/ablation.py`` start each training and
test as a real ``tools/train.py`` / ``tools/test.py`` process, as a user
would; these helpers give every such process the same thread count and
keep its whole output in a log file.

Besides the thread count, the figures depend on the instruction set the
kernel libraries pick at run time: the same seed on the same data gives
other weights with ATen's AVX-512 kernels than with its AVX2 ones, and
oneDNN and MKL choose their code paths by CPU as well. The processes
therefore get every kernel library held to one instruction set
(:data:`PINNED_ISA_ENV`), set in their environment before torch loads;
it can only be set there, torch reads it once at import.
"""
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

__all__ = [
    'PINNED_ISA_ENV', 'DEFAULT_ISA', 'pinned_isa_env', 'probe_cpu_kernels',
    'check_pinned_isa', 'deterministic_env', 'run_logged'
]

#: The instruction set of the published figures (README, docs): every
#: x86-64 CPU of the last decade has AVX2, not every one has AVX-512.
DEFAULT_ISA = 'avx2'

#: Per instruction set, the variables that hold each kernel library to it:
#: ATen's CPU capability (its vectorised kernels), oneDNN's ISA (convolutions
#: and matmuls; ``DNNL_MAX_CPU_ISA`` for oneDNN builds before 2.0), MKL's
#: conditional numerical reproducibility and the instructions it may use.
#: ``'default'`` sets nothing: each library picks the best for the CPU, so
#: figures may differ between machines.
PINNED_ISA_ENV: Dict[str, Dict[str, str]] = {
    'avx2':
    dict(
        ATEN_CPU_CAPABILITY='avx2',
        ONEDNN_MAX_CPU_ISA='AVX2',
        DNNL_MAX_CPU_ISA='AVX2',
        MKL_CBWR='AVX2',
        MKL_ENABLE_INSTRUCTIONS='AVX2'),
    'avx512':
    dict(
        ATEN_CPU_CAPABILITY='avx512',
        ONEDNN_MAX_CPU_ISA='AVX512_CORE',
        DNNL_MAX_CPU_ISA='AVX512_CORE',
        MKL_CBWR='AVX512',
        MKL_ENABLE_INSTRUCTIONS='AVX512'),
    'default': {},
}

# What torch.backends.cpu.get_cpu_capability() reports under each pin.
_CAPABILITY = dict(avx2='AVX2', avx512='AVX512')

_PROBE = ('import json, torch; print(json.dumps(dict('
          'capability=torch.backends.cpu.get_cpu_capability(), '
          'avx2=torch.cpu._is_avx2_supported(), '
          'avx512=torch.cpu._is_avx512_supported())))')


def pinned_isa_env(isa: str = DEFAULT_ISA) -> Dict[str, str]:
    """The variables that hold the kernel libraries to ``isa``.

    Args:
        isa (str): A key of :data:`PINNED_ISA_ENV`.

    Returns:
        dict: Variable name to value (empty for ``'default'``).

    Raises:
        ValueError: For an unknown instruction set.
    """
    if isa not in PINNED_ISA_ENV:
        raise ValueError(f'unknown instruction set {isa!r}; one of '
                         f'{sorted(PINNED_ISA_ENV)}')
    return dict(PINNED_ISA_ENV[isa])


def probe_cpu_kernels(env: Optional[Dict[str, str]] = None) -> dict:
    """What torch picks in a fresh process started with ``env``.

    Args:
        env (dict, optional): The process's environment (default: this
            one's).

    Returns:
        dict: ``capability`` (``torch.backends.cpu.get_cpu_capability()``,
        e.g. ``'AVX2'``), ``avx2`` and ``avx512`` (whether the CPU has
        them; read from the CPU, not from the pin, which ATen trusts).
    """
    import json
    out = subprocess.run([sys.executable, '-c', _PROBE],
                         env=env,
                         check=True,
                         stdout=subprocess.PIPE,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def check_pinned_isa(env: Dict[str, str], isa: str) -> str:
    """Check in a fresh process that the pin of ``isa`` takes effect.

    ATen believes ``ATEN_CPU_CAPABILITY`` even on a CPU without those
    instructions (the run would die of an illegal instruction), hence the
    check of the CPU itself first.

    Args:
        env (dict): The environment the tools' processes get.
        isa (str): The pinned instruction set.

    Returns:
        str: The capability torch reports there.

    Raises:
        SystemExit: The CPU lacks ``isa``, or torch does not report it.
    """
    probe = probe_cpu_kernels(env)
    if isa == 'default':
        return probe['capability']
    if not probe.get(isa, False):
        raise SystemExit(
            f'this CPU has no {isa.upper()} instructions, so the kernels '
            f'cannot be held to {isa!r}; pass --isa default to let each '
            'library pick by CPU (the figures may then differ from the '
            f'published ones, made with --isa {DEFAULT_ISA})')
    if probe['capability'] != _CAPABILITY[isa]:
        raise SystemExit(
            f'ATEN_CPU_CAPABILITY={env.get("ATEN_CPU_CAPABILITY")} did not '
            f'take effect: torch reports {probe["capability"]}, not '
            f'{_CAPABILITY[isa]}')
    return probe['capability']


def deterministic_env(threads: int, isa: str = DEFAULT_ISA) -> Dict[str, str]:
    """The environment of a training or test process of the tools.

    The thread count is the tool's, not the shell's: it changes the order
    of floating-point sums, hence the figures. So does the instruction set
    of the kernels (:data:`PINNED_ISA_ENV`). cuBLAS needs a fixed
    workspace for deterministic GEMMs when a GPU is used.

    Args:
        threads (int): Threads of torch, OpenMP, MKL and OpenBLAS.
        isa (str): Instruction set of the kernel libraries, a key of
            :data:`PINNED_ISA_ENV`. Defaults to :data:`DEFAULT_ISA`.

    Returns:
        dict: A copy of ``os.environ`` with those variables set.
    """
    env = dict(os.environ)
    for key in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):
        env[key] = str(threads)
    env.update(pinned_isa_env(isa))
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
