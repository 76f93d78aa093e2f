# Copyright (c) aclnet-mm contributors. All rights reserved.
# NTU RGB+D 60 cross-subject, joint stream: the data set base of the entry
# config (configs/aclnet_ctrgcn_ntu60.py), kept under its old name. It is
# ntu60_xsub_3d.py unchanged (whose default stream is the joint one):
# ACLNet's preparation and training rotation, validation on 5 % of the
# training performers carved out of 'xsub_train', training on the rest, and
# the test loop on the official test subjects ('xsub_val').
_base_ = './ntu60_xsub_3d.py'
