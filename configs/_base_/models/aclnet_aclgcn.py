# ACLNet's reference network (DG-STGCN-style GCN, 96 -> 384 channels,
# 8 learnable random-init subsets) with both contrastive losses on the last
# block's learned topology.
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='ACLGCN',
        graph_cfg=dict(layout='nturgb+d'),
        num_subsets=8,
        with_topology=True),
    cls_head=dict(
        type='ACLNetHead',
        num_classes=60,
        in_channels=384,
        feature_source='topology',
        loss_inter=dict(type='AffinityContrastiveLoss'),
        loss_intra=dict(type='MarginContrastiveLoss', queue_size=512),
        loss_inter_weight=0.1,
        loss_intra_weight=0.1))
