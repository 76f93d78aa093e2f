# Copyright (c) aclnet-mm contributors. All rights reserved.
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmaction.models.recognizers import RecognizerGCN
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from torch import Tensor

from aclnet_mm.structures import get_layout

__all__ = ['RetrievalRecognizerGCN']


@MODELS.register_module()
class RetrievalRecognizerGCN(RecognizerGCN):
    """:class:`RecognizerGCN` that predicts test-time-augmented embeddings.

    Training is :class:`RecognizerGCN`'s (CE and ACLNet's losses on the
    subject ids through :class:`~aclnet_mm.models.heads.ACLNetRetrievalHead`).
    In ``predict`` each sample is embedded by the head's ``embed`` under
    the selected variants of its input (``(B, num_clips, M, T, V, C)``):

    - the input itself;
    - time reversed (``tta_time_reverse``);
    - with left/right joints swapped (``tta_swap_layout``: a registered
      layout name whose ``flip_pairs`` are exchanged; coordinates are not
      mirrored, as GaitGraph2's test-time swap).

    Several windows come from the pipeline (``SampleFrames(num_clips=k,
    test_mode=True)``) and are averaged by the head. The variants'
    normalised embeddings are concatenated (``tta_combine='concat'``,
    GaitGraph2) or averaged (``'mean'``, GaitMixer), then normalised again.

    Args:
        tta_time_reverse (bool): Defaults to False.
        tta_swap_layout (str, optional): Layout for the left/right swap.
            Defaults to None (no swap).
        tta_combine (str): ``'concat'`` or ``'mean'``. Defaults to
            ``'concat'``.
        **kwargs: :class:`RecognizerGCN` arguments.
    """

    def __init__(self,
                 *args,
                 tta_time_reverse: bool = False,
                 tta_swap_layout: Optional[str] = None,
                 tta_combine: str = 'concat',
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if tta_combine not in ('concat', 'mean'):
            raise ValueError("tta_combine must be 'concat' or 'mean', got "
                             f'{tta_combine!r}')
        self.tta_time_reverse = tta_time_reverse
        self.tta_combine = tta_combine
        self.swap_index = None
        if tta_swap_layout is not None:
            layout = get_layout(tta_swap_layout)
            index = list(range(layout.num_node))
            for left, right in layout.flip_pairs:
                index[left], index[right] = right, left
            self.swap_index = index

    def tta_variants(self, inputs: Tensor) -> List[Tensor]:
        """The inputs under every selected test-time augmentation.

        Args:
            inputs (Tensor): ``(B, num_clips, M, T, V, C)``.

        Returns:
            list[Tensor]: The original first.
        """
        variants = [inputs]
        if self.tta_time_reverse:
            variants.append(inputs.flip(-3))
        if self.swap_index is not None:
            variants.append(inputs[..., self.swap_index, :])
        return variants

    def predict(self, inputs: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Embed each sample (averaged clips, TTA variants combined).

        Args:
            inputs (Tensor): ``(B, num_clips, M, T, V, C)``.
            data_samples (list[:obj:`ActionDataSample`]): The batch.

        Returns:
            list[:obj:`ActionDataSample`]: With an ``embedding`` field.
        """
        num_segs = inputs.shape[1]
        embeddings = []
        for variant in self.tta_variants(inputs):
            feats, _ = self.extract_feat(variant, test_mode=True)
            embeddings.append(self.cls_head.embed(feats, num_segs))
        if len(embeddings) == 1:
            embedding = embeddings[0]
        else:
            if self.tta_combine == 'concat':
                embedding = torch.cat(embeddings, dim=1)
            else:
                embedding = torch.stack(embeddings).mean(dim=0)
            if self.cls_head.normalize:
                embedding = F.normalize(embedding, dim=1)
        return self.cls_head.predict_embedding(embedding, data_samples)
