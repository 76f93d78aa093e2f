# Copyright (c) aclnet-mm contributors. All rights reserved.
# The ACLNet paper's protocol, for any benchmark config of configs/aclnet/
# or configs/protogcn/ (the ProtoGCN authors train, validate and sample as
# the ACLNet ones do): train on the whole training split, validate on the
# test split (checkpoint picked there, as the authors do), test the last and
# the best checkpoint after training, with PYSKL's test-time frame sampling
# (PysklUniformSample, seed 255) for validation and test. Inherits nothing.
#
# Recipe (the same lines for every benchmark and stream; see
# aclnet/paper_protocol/ and protogcn/paper_protocol/ for the NTU60 X-Sub
# joint examples):
#
#   with read_base():
#       from aclnet_mm.configs.<aclnet|protogcn>.<benchmark config> import *
#       from aclnet_mm.configs._base_.paper_protocol import *
#
#   train_dataloader.dataset.update(carve=None)
#   val_dataloader.dataset.update(carve=None, split=test_split)
#   val_dataloader.dataset.pipeline[test_sampler_index].update(
#       paper_sampler, short_clips=pyskl_short_clips)
#   test_dataloader.dataset.pipeline[test_sampler_index].update(
#       paper_sampler, short_clips=pyskl_short_clips)
#   custom_hooks += paper_hooks
#
# `test_sampler_index` and `pyskl_short_clips` come from the data set
# fragment: the place of the test-time sampler in its pipelines, and the
# authors' rule for clips shorter than the window ('random': PYSKL's
# UniformSampleDecode, NTU / PKU-MMD; 'spaced': its UniformSampleFrames,
# Kinetics-400 / FineGYM).
from aclnet_mm.datasets import PysklUniformSample
from aclnet_mm.engine import TestAfterTrainHook

paper_sampler = dict(type=PysklUniformSample)
paper_hooks = [dict(type=TestAfterTrainHook, which=('last', 'best'))]
