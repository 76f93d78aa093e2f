# Copyright (c) aclnet-mm contributors. All rights reserved.
# The ACLNet paper's protocol for the benchmark config it inherits
# (docs/benchmarks.md, "Protocol"):
# train on the whole training split, validate on the test split, test the
# last and the best checkpoint, with PYSKL's test-time frames
# (PysklUniformSample, seed 255) for validation and test.
_base_ = '../aclnet_aclgcn_1xb16-joint-u100-150e_ntu120-xset-keypoint-3d.py'

# UniformSampleDecode in ACLNet's NTU / PKU-MMD configs, UniformSampleFrames
# in its Kinetics-400 / FineGYM ones.
short_clips = 'random'
val_pipeline = [
    dict(t, type='PysklUniformSample', short_clips=short_clips)
    if t['type'] == 'UniformSampleFrames' else t
    for t in _base_.val_dataloader.dataset.pipeline
]
test_pipeline = [
    dict(t, type='PysklUniformSample', short_clips=short_clips)
    if t['type'] == 'UniformSampleFrames' else t
    for t in _base_.test_dataloader.dataset.pipeline
]
train_dataloader = dict(dataset=dict(carve=None))
val_dataloader = dict(
    dataset=dict(carve=None, split=_base_.test_split, pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_after_train = ('last', 'best')
