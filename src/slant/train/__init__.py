"""Training code (needs the train extras: torch, transformers, onnx); never imported at inference."""
