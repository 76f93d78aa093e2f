# PAPER-COMPATIBLE CASIA-B re-ID protocol (TranSG / SPC-MGR code): trains
# on all 62 training subjects, selects the checkpoint by N-N rank-1 on the
# TEST pools, and scores with the reference quirks (rank position 0 skipped
# instead of the probe's own index, self-match kept in the mAP, probe 0
# skipped, samples beyond the last full batch of 256 dropped). Comparable
# with the published tables, optimistic by construction; use the clean
# config for honest numbers.
_base_ = './aclnet_aclgcn_1xb64-joint-u40-100e_casia-b-reid-keypoint-3d.py'

protocol = 'paper_compat'
num_classes = 62
model = dict(cls_head=dict(num_classes=num_classes))
train_dataloader = dict(dataset=dict(split='train'))
val_dataloader = dict(dataset=dict(split='test'))
val_evaluator = dict(
    _delete_=True,
    type='ReIDMetric',
    distance='euclidean',
    compat=True,
    compat_batch_size=256)
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='reid/N-N_rank1'))
