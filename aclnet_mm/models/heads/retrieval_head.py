# Copyright (c) aclnet-mm contributors. All rights reserved.
from typing import Union

import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from torch import Tensor

from ..utils.pooling import pool_embedding
from .aclnet_head import ACLNetHead, BackboneOutput

__all__ = ['ACLNetRetrievalHead']


@MODELS.register_module()
class ACLNetRetrievalHead(ACLNetHead):
    """:class:`ACLNetHead` whose predictions are retrieval embeddings.

    Training is :class:`ACLNetHead`'s unchanged: cross-entropy plus
    ACLNet's inter/intra contrastive losses, the classes being the training
    subjects (gait, re-ID). At test time the head puts an ``embedding``
    (and no class scores) in every data sample: the pooled pre-classifier
    feature (``embedding='pooled'``, the default) or the class logits
    (``'logits'``), averaged over the clips of a sample and L2-normalised
    when ``normalize``. Retrieval metrics compare these embeddings across
    subjects never seen in training.

    Args:
        embedding (str): ``'pooled'`` or ``'logits'``. Defaults to
            ``'pooled'``.
        normalize (bool): L2-normalise the embedding. Defaults to True.
        **kwargs: :class:`ACLNetHead` arguments.
    """

    def __init__(self,
                 *args,
                 embedding: str = 'pooled',
                 normalize: bool = True,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if embedding not in ('pooled', 'logits'):
            raise ValueError("embedding must be 'pooled' or 'logits', got "
                             f'{embedding!r}')
        self.embedding = embedding
        self.normalize = normalize

    def embed(self, feats: BackboneOutput, num_segs: int = 1) -> Tensor:
        """Per-sample embeddings of a test batch.

        Args:
            feats (Tensor | tuple[Tensor, Tensor]): Backbone output for
                ``B * num_segs`` clips, see :meth:`ACLNetHead.forward`.
            num_segs (int): Clips per sample. Defaults to 1.

        Returns:
            Tensor: ``(B, D)`` embeddings, clip-averaged (then normalised).
        """
        feature_map = feats[0] if isinstance(feats, (tuple, list)) else feats
        x = pool_embedding(feature_map)
        if self.embedding == 'logits':
            x = self.fc(x)
        x = x.reshape(-1, num_segs, x.shape[-1]).mean(dim=1)
        return F.normalize(x, dim=1) if self.normalize else x

    def predict(self, feats: Union[BackboneOutput, Tensor],
                data_samples: SampleList, **kwargs) -> SampleList:
        """Attach each sample's embedding.

        Args:
            feats (Tensor | tuple[Tensor, Tensor]): Backbone output.
            data_samples (list[:obj:`ActionDataSample`]): The batch.

        Returns:
            list[:obj:`ActionDataSample`]: The samples with ``embedding``.
        """
        feature_map = feats[0] if isinstance(feats, (tuple, list)) else feats
        num_segs = feature_map.shape[0] // len(data_samples)
        return self.predict_embedding(
            self.embed(feats, num_segs), data_samples)

    @staticmethod
    def predict_embedding(embeddings: Tensor,
                          data_samples: SampleList) -> SampleList:
        """Store ``(B, D)`` embeddings in the ``embedding`` field."""
        for sample, embedding in zip(data_samples, embeddings):
            sample.set_field(embedding.detach(), 'embedding')
        return data_samples
