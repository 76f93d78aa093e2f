# Copyright (c) aclnet-mm contributors. All rights reserved.
"""ProtoGCNHead draws its initial state as the reference head does."""
import torch
import torch.nn as nn

from aclnet_mm.models import ProtoGCNHead


def test_initial_state_is_the_reference_draw():
    # The reference head builds its contrastive loss (memory N(0, 1) of
    # shape (256, K), then the projection Linear(V * V, 256)) before its
    # classifier Linear(C, K), and init_weights re-draws the classifier
    # from N(0, 0.01) with a zero bias.
    num_classes, channels, joints = 12, 32, 25
    torch.manual_seed(3)
    memory = torch.randn(256, num_classes)
    projection = nn.Linear(joints * joints, 256)
    classifier = nn.Linear(channels, num_classes)
    nn.init.normal_(classifier.weight, 0, 0.01)
    nn.init.constant_(classifier.bias, 0)

    torch.manual_seed(3)
    head = ProtoGCNHead(num_classes, channels, num_nodes=joints)
    head.init_weights()
    loss = head.loss_proto
    assert torch.equal(loss.prototypes, memory)
    assert torch.equal(loss.cl_fc.weight, projection.weight)
    assert torch.equal(loss.cl_fc.bias, projection.bias)
    assert torch.equal(head.fc.weight, classifier.weight)
    assert torch.equal(head.fc.bias, classifier.bias)
