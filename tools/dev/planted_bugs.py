# Copyright (c) aclnet-mm contributors. All rights reserved.
"""Plant known bugs one at a time and check that the tests catch each.

For every entry of ``PLANTS`` (issue #17): replace one exact piece of the
source, run the named test files, expect a failure, and restore the file
(always, even on errors or Ctrl-C). A pattern that is no longer in the
source is reported, not skipped silently: update the entry with the code.

Usage::

    OMP_NUM_THREADS=1 python tools/dev/planted_bugs.py         # all
    OMP_NUM_THREADS=1 python tools/dev/planted_bugs.py 3 5     # some

Exit status: 0 when every planted bug made its tests fail.
"""
import subprocess
import sys

# (name, file, original text, planted text, test files)
RECOGNIZER = 'aclnet_mm/models/recognizers/ascal.py'
AFFINITY = 'aclnet_mm/models/losses/affinity_contrastive_loss.py'
RECOGNIZER_TESTS = ['tests/models/recognizers/test_ascal_recognizer.py']
AFFINITY_TESTS = ['tests/models/losses/test_affinity_contrastive_loss.py']
PLANTS = [
    ('key encoder copies the query encoder on its first update',
     'aclnet_mm/models/utils/momentum_average.py',
     '        if self.steps % self.interval == 0:\n',
     '        if self.steps == 0:\n'
     '            for name, averaged in self.avg_parameters.items():\n'
     '                averaged.data.copy_(source[name].data)\n'
     '        elif self.steps % self.interval == 0:\n', [
         'tests/models/recognizers/test_ascal_reference_loop.py',
         'tests/models/recognizers/test_ascal_recognizer.py',
         'tests/models/utils/test_momentum_average.py'
     ]),
    ('keys computed by the query encoder', RECOGNIZER,
     '        key = self.extract_feat(key_view, key=True)\n',
     '        key = self.extract_feat(key_view).detach()\n', RECOGNIZER_TESTS),
    ('queue initialised with a narrower range', RECOGNIZER,
     'uniform_(-bound, bound))', 'uniform_(-bound / 2, bound / 2))',
     RECOGNIZER_TESTS),
    ('k-NN temperature dropped', 'aclnet_mm/evaluation/metrics/knn_metric.py',
     '(top_sims / temperature).exp()', '(top_sims).exp()',
     ['tests/evaluation/metrics/test_knn_metric.py']),
    ('InfoNCELoss ignores loss_weight',
     'aclnet_mm/models/losses/info_nce_loss.py',
     'return self.loss_weight * F.cross_entropy(logits, target)',
     'return F.cross_entropy(logits, target)',
     ['tests/models/losses/test_info_nce_loss.py']),
    ('GCN encoding pools person 0 only', RECOGNIZER,
     '            return feats.mean(dim=(1, 3, 4))',
     '            return feats[:, 0].mean(dim=(2, 3))', RECOGNIZER_TESTS),
    ('ACLNet head detaches the pooled embedding',
     'aclnet_mm/models/heads/aclnet_head.py',
     '            contrast_feats = embedding\n',
     '            contrast_feats = embedding.detach()\n',
     ['tests/models/heads/test_aclnet_head.py']),
    ('confusion bank updated with statistics off and the loss on', AFFINITY,
     '        if stats_active:\n', '        if stats_active or loss_active:\n',
     AFFINITY_TESTS),
    ('unstable sort in the superclass top-k',
     'aclnet_mm/models/utils/superclass.py', 'descending=True, stable=True)',
     'descending=True)', ['tests/models/utils/test_superclass.py']),
    ('prototype EMA weights swapped (m and 1 - m)', AFFINITY,
     'weight = ((1 - self.momentum) / counts.clamp(min=1))[:, None]\n'
     '        with torch.no_grad():\n'
     '            updated = self.momentum * self.prototypes + weight * sums',
     'weight = (self.momentum / counts.clamp(min=1))[:, None]\n'
     '        with torch.no_grad():\n'
     '            updated = (1 - self.momentum) * self.prototypes + '
     'weight * sums',
     [AFFINITY_TESTS[0] + '::test_hand_computed_prototype_update']),
    # The three survivors of issue #25.
    ('roll-back notification misspelt in the hook',
     'aclnet_mm/engine/hooks/non_finite_loss_hook.py',
     "getattr(module, 'on_buffers_restored', None)",
     "getattr(module, 'on_buffer_restored', None)",
     ['tests/engine/hooks/test_non_finite_loss_hook.py']),
    ('PysklUniformSample trains on its fixed test seed',
     'aclnet_mm/datasets/transforms/pyskl_sampling.py',
     'rng = np.random.RandomState(self.seed) if self.test_mode \\\n'
     '            else np.random', 'rng = np.random.RandomState(self.seed)', [
         'tests/datasets/transforms/test_pyskl_sampling.py',
         'tests/datasets/transforms/test_pyskl_sampling_train_draws.py'
     ]),
    ('class-fraction start rounded up (drops a sample)',
     'aclnet_mm/datasets/subsets.py', 'start = math.floor(low * count)',
     'start = math.ceil(low * count)', [
         'tests/datasets/test_subsets.py',
         'tests/datasets/test_class_fraction_cover.py'
     ]),
]


def main(argv) -> int:
    missed = 0
    for i, (name, path, old, new, tests) in enumerate(PLANTS):
        if argv and str(i) not in argv:
            continue
        with open(path) as f:
            source = f.read()
        if source.count(old) != 1:
            print(f'{i} {name}: pattern found {source.count(old)} times '
                  f'in {path}; update the entry')
            missed += 1
            continue
        try:
            with open(path, 'w') as f:
                f.write(source.replace(old, new))
            result = subprocess.run(
                [
                    sys.executable, '-m', 'pytest', '-q', '-x', '-p',
                    'no:cacheprovider'
                ] + tests,
                capture_output=True,
                text=True)
        finally:
            with open(path, 'w') as f:
                f.write(source)
        failed = [
            line for line in result.stdout.splitlines()
            if line.startswith('FAILED')
        ]
        caught = result.returncode != 0 and bool(failed)
        missed += not caught
        verdict = failed[0][len('FAILED '):] if caught else 'NOT CAUGHT'
        print(f'{i} {name}: {verdict}', flush=True)
    return 1 if missed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
