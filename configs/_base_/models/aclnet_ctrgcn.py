# CTR-GCN trained with ACLNet's losses. The contrastive features are the
# last block's learned topology (V * V values per sample).
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='CTRGCN',
        graph_cfg=dict(layout='nturgb+d', mode='spatial'),
        with_topology=True),
    cls_head=dict(
        type='ACLNetHead',
        num_classes=60,
        in_channels=256,
        feature_source='topology',
        loss_inter=dict(type='AffinityContrastiveLoss'),
        loss_intra=dict(type='MarginContrastiveLoss', queue_size=512),
        loss_inter_weight=0.1,
        loss_intra_weight=0.1))
