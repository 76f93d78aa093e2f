# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Plot the superclasses of a ``SuperclassRefreshHook`` JSON.

Example::

    python tools/visualize/plot_superclasses.py \\
        work_dirs/x/superclasses_epoch_30.json --out-dir figs --format svg
    # every epoch of a run
    python tools/visualize/plot_superclasses.py \\
        work_dirs/x/superclasses_epoch_*.json
"""
import argparse
import os.path as osp

from mmengine.utils import track_iter_progress

from aclnet_mm.apis.cli_errors import one_line_errors
from aclnet_mm.visualization import (plot_superclass_graph,
                                     plot_superclass_matrix)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('files', nargs='+', help='superclasses_*.json')
    parser.add_argument('--out-dir', default='.')
    parser.add_argument('--format', default='png', choices=('png', 'svg'))
    parser.add_argument('--module', help='loss module (default: the first)')
    args = parser.parse_args()
    files = args.files
    for path in track_iter_progress(files) if len(files) > 1 else files:
        stem = osp.splitext(osp.basename(path))[0]
        out = osp.join(args.out_dir, stem)
        plot_superclass_graph(path, f'{out}_graph.{args.format}', args.module)
        plot_superclass_matrix(path, f'{out}_matrix.{args.format}',
                               args.module)
    print(f'\nwrote {2 * len(files)} figures to {args.out_dir}')


if __name__ == '__main__':
    # Bad input: one line naming the problem, not a traceback.
    with one_line_errors('tools/visualize/plot_superclasses.py'):
        main()
