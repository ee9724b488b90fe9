"""Weights: PaddleOCR ``.pdparams`` files (read without Paddle) and the project's safetensors format."""

from __future__ import annotations

import codecs
import importlib
import io
import os
import pickle
from collections import OrderedDict
from collections.abc import Iterator, Mapping

import numpy as np
import torch
from torch import nn

from .config import SRNConfig

NAME_TABLE_KEY = "StructuredToParameterName@@"
BIG_PARAM_KEY = "UnpackBigParamInfor@@"
FORMAT_NAME = "srn_fast"
FORMAT_VERSION = "1"


class WeightsMismatchError(ValueError):
    """A weights file does not fit the model: lists every missing, unexpected and mis-shaped key."""

    def __init__(self, missing=(), unexpected=(), mismatched=(), source: str = "weights") -> None:
        self.missing, self.unexpected, self.mismatched = list(missing), list(unexpected), list(mismatched)
        lines = [f"{source} do not match the model:"]
        if self.missing:
            lines.append(f"  missing keys ({len(self.missing)}): " + ", ".join(self.missing))
        if self.unexpected:
            lines.append(f"  unexpected keys ({len(self.unexpected)}): " + ", ".join(self.unexpected))
        if self.mismatched:
            lines.append(
                f"  mis-shaped keys ({len(self.mismatched)}): "
                + ", ".join(f"{k} (file {list(a)}, model {list(b)})" for k, a, b in self.mismatched)
            )
        super().__init__("\n".join(lines))


# --------------------------------------------------------------------------------------------------
# Reading and writing .pdparams without Paddle
# --------------------------------------------------------------------------------------------------
def _numpy_core(submodule: str):
    """``numpy._core.<submodule>`` (numpy 2) or ``numpy.core.<submodule>`` (numpy 1)."""
    try:
        return importlib.import_module(f"numpy._core.{submodule}")
    except ImportError:  # pragma: no cover - numpy 1.x
        return importlib.import_module(f"numpy.core.{submodule}")


def _lookup_data(expr: str, namespace: dict):
    """Paddle pickles a LoDTensor as ``eval('data', {'data': array})``; resolve that, nothing else."""
    if not isinstance(expr, str) or not expr.isidentifier() or expr not in namespace:
        raise pickle.UnpicklingError(f"refusing eval({expr!r}) in a .pdparams file")
    return namespace[expr]


class _PdparamsUnpickler(pickle.Unpickler):
    """Loads only numpy arrays and plain containers: a .pdparams file cannot run code."""

    def find_class(self, module: str, name: str):
        if module in ("numpy.core.multiarray", "numpy._core.multiarray") and name in (
            "_reconstruct",
            "scalar",
        ):
            return getattr(_numpy_core("multiarray"), name)
        if module == "numpy" and name in ("ndarray", "dtype"):
            return getattr(np, name)
        if module in ("numpy.core.numeric", "numpy._core.numeric") and name == "_frombuffer":
            return _numpy_core("numeric")._frombuffer
        if module == "_codecs" and name == "encode":  # bytes in protocol-2 pickles
            return codecs.encode
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        if module in ("builtins", "__builtin__") and name in ("tuple", "list", "dict"):
            return {"tuple": tuple, "list": list, "dict": dict}[name]
        if module in ("builtins", "__builtin__") and name == "eval":
            return _lookup_data
        raise pickle.UnpicklingError(f"a .pdparams file may not reference {module}.{name}")


def read_pdparams(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a Paddle ``.pdparams`` file into ``{structured_name: ndarray}``.

    Plain pickle with an allow-list (numpy arrays and containers only), so Paddle is not needed and the
    file cannot execute code. Handles files written with ``numpy.core`` or ``numpy._core``, Paddle's
    ``(name, array)`` tensor tuples, and big parameters split into slices (pickle protocols 2 and 3).
    """
    with open(path, "rb") as f:
        raw = f.read()
    try:
        obj = _PdparamsUnpickler(io.BytesIO(raw)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as e:
        raise ValueError(f"{os.fspath(path)} is not a readable .pdparams file: {e}") from e
    if not isinstance(obj, dict):
        raise ValueError(f"{os.fspath(path)} holds a {type(obj).__name__}, not a Paddle state dict")
    obj = dict(obj)
    obj.pop(NAME_TABLE_KEY, None)
    big = obj.pop(BIG_PARAM_KEY, None) or {}
    for key, info in big.items():
        parts = [np.asarray(obj.pop(p)).reshape(-1) for p in info["slices"]]
        obj[key] = np.concatenate(parts).reshape(info["OriginShape"])
    out = {}
    for key, value in obj.items():
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], np.ndarray):
            value = value[1]  # Paddle's pickled tensor: (name, array)
        if not isinstance(value, np.ndarray):
            raise ValueError(f"{os.fspath(path)}: entry {key!r} is a {type(value).__name__}, not an array")
        out[key] = value
    return out


def write_pdparams(state: Mapping[str, np.ndarray], path: str | os.PathLike) -> None:
    """Write ``{name: ndarray}`` as ``paddle.save`` does: a protocol-4 pickle plus the name table."""
    obj: dict = {k: np.ascontiguousarray(v) for k, v in state.items()}
    obj[NAME_TABLE_KEY] = {k: f"param_{i}" for i, k in enumerate(state)}
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=4)


# --------------------------------------------------------------------------------------------------
# Name mapping: PaddleOCR's structured names <-> this project's state dict
# --------------------------------------------------------------------------------------------------
# (our key, paddle key, transpose). Paddle's Linear weight is [in, out]; ours is [out, in].
Entry = tuple[str, str, bool]
_BN = (("weight", "weight"), ("bias", "bias"), ("running_mean", "_mean"), ("running_var", "_variance"))


def _conv_bn(ours: str, paddle: str) -> Iterator[Entry]:
    yield f"{ours}.0.weight", f"{paddle}.conv.weight", False
    for a, b in _BN:
        yield f"{ours}.1.{a}", f"{paddle}.bn.{b}", False


def _bn(ours: str, paddle: str) -> Iterator[Entry]:
    for a, b in _BN:
        yield f"{ours}.{a}", f"{paddle}.{b}", False


def _conv(ours: str, paddle: str) -> Iterator[Entry]:
    yield f"{ours}.weight", f"{paddle}.weight", False
    yield f"{ours}.bias", f"{paddle}.bias", False


def _linear(ours: str, paddle: str, bias: bool = True) -> Iterator[Entry]:
    yield f"{ours}.weight", f"{paddle}.weight", True
    if bias:
        yield f"{ours}.bias", f"{paddle}.bias", False


def _layer_norm(ours: str, paddle: str) -> Iterator[Entry]:
    yield f"{ours}.weight", f"{paddle}.layer_norm_0.weight", False
    yield f"{ours}.bias", f"{paddle}.layer_norm_0.bias", False


def _stack(ours: str, paddle: str, num_units: int) -> Iterator[Entry]:
    for i in range(num_units):
        o, p = f"{ours}.units.{i}", f"{paddle}.layer_{i}"
        yield from _layer_norm(f"{o}.norm1", f"{p}.preprocesser1")
        for a, b in (("q", "q_fc"), ("k", "k_fc"), ("v", "v_fc"), ("proj", "proj_fc")):
            yield from _linear(f"{o}.attn.{a}", f"{p}.self_attn.{b}", bias=False)
        yield from _layer_norm(f"{o}.norm2", f"{p}.preprocesser2")
        yield from _linear(f"{o}.fc1", f"{p}.ffn.fc1")
        yield from _linear(f"{o}.fc2", f"{p}.ffn.fc2")
    # PaddleOCR renamed `processer` to `processor` in 2025; released checkpoints use the old spelling.
    yield from _layer_norm(f"{ours}.final_norm", f"{paddle}.processor")


def paddle_name_map(config: SRNConfig) -> list[Entry]:
    """Every parameter and buffer as ``(our key, PaddleOCR key, transpose)``, in PaddleOCR's order."""
    entries: list[Entry] = list(_conv_bn("backbone.stem", "backbone.conv"))
    for s, depth in enumerate(config.depths):
        for i in range(depth):
            o, p = f"backbone.stages.{s}.{i}", f"backbone.bottleneckBlock_{s}_{i}"
            for k in range(3):
                entries += _conv_bn(f"{o}.conv{k}", f"{p}.conv{k}")
            if i == 0:
                entries += _conv_bn(f"{o}.shortcut", f"{p}.short.conv")
    entries += _conv("backbone.fpn.reduce0", "backbone.F_-2_base_block_0")
    entries += _conv("backbone.fpn.smooth0", "backbone.F_-2_base_block_1")
    entries += _bn("backbone.fpn.bn0", "backbone.F_-2_base_block_2")
    entries += _conv("backbone.fpn.reduce1", "backbone.F_-3_base_block_0")
    entries += _conv("backbone.fpn.smooth1", "backbone.F_-3_base_block_1")
    entries += _bn("backbone.fpn.bn1", "backbone.F_-3_base_block_2")
    entries += _conv("backbone.fpn.out", "backbone.F_-3_base_block_3")

    pvam = "head.pvam.wrap_encoder_for_feature"
    entries.append(("pvam.pos_table", f"{pvam}.prepare_encoder.emb.weight", False))
    entries += _stack("pvam.encoder", f"{pvam}.encoder", config.num_encoder_units)
    entries += _linear("pvam.fc0", "head.pvam.fc0")
    entries.append(("pvam.query", "head.pvam.emb.weight", False))
    entries += _linear("pvam.scorer", "head.pvam.fc1", bias=False)

    entries += _linear("gsrm.fc0", "head.gsrm.fc0")
    for k, name in ((0, "forward"), (1, "backward")):
        p = f"head.gsrm.wrap_encoder{k}"
        # emb0 is one tensor under both streams' names; it maps to our single word_embedding.
        entries.append(("gsrm.word_embedding", f"{p}.prepare_decoder.emb0.weight", False))
        entries.append((f"gsrm.pos_table_{name}", f"{p}.prepare_decoder.emb1.weight", False))
        entries += _stack(f"gsrm.{name}_stream", f"{p}.encoder", config.num_decoder_units)
    entries += _linear("vsfd.fc0", "head.vsfd.fc0")
    entries += _linear("vsfd.fc1", "head.vsfd.fc1")
    return entries


def _alternate_spelling(key: str) -> str | None:
    if ".processor." in key:
        return key.replace(".processor.", ".processer.")
    return None


def paddle_to_state_dict(
    paddle_state: Mapping[str, np.ndarray], config: SRNConfig, source: str = "PaddleOCR weights"
) -> dict[str, torch.Tensor]:
    """Convert a PaddleOCR SRN state dict to this project's keys and layouts.

    Transposes every Linear weight, maps BatchNorm ``_mean``/``_variance`` to running statistics, reads
    the tied GSRM embedding once (and checks its two copies agree), accepts ``processer`` and
    ``processor``. Raises ``WeightsMismatchError`` listing every missing, unexpected and mis-shaped key.
    """
    expected = {k: tuple(v.shape) for k, v in _shape_model(config).state_dict().items()}
    out: dict[str, torch.Tensor] = {}
    used: set[str] = set()
    missing, mismatched = [], []
    for ours, paddle_key, transpose in paddle_name_map(config):
        key = paddle_key
        if key not in paddle_state and _alternate_spelling(key) in paddle_state:
            key = _alternate_spelling(key)
        if key not in paddle_state:
            if ours in out:  # the second name of the tied embedding may be absent
                continue
            missing.append(paddle_key)
            continue
        used.add(key)
        array = np.asarray(paddle_state[key], dtype=np.float32)
        tensor = torch.from_numpy(np.ascontiguousarray(array.T if transpose else array))
        if tuple(tensor.shape) != expected[ours]:
            shape = tuple(array.shape)
            want = expected[ours][::-1] if transpose else expected[ours]
            mismatched.append((key, shape, want))
            continue
        if ours in out:
            if not torch.equal(out[ours], tensor):
                raise ValueError(f"{source}: {key} should be the same tensor as the first stream's emb0")
            continue
        out[ours] = tensor
    unexpected = sorted(set(paddle_state) - used)
    if missing or unexpected or mismatched:
        raise WeightsMismatchError(missing, unexpected, mismatched, source=source)
    for key in expected:
        if key.endswith("num_batches_tracked"):
            out[key] = torch.tensor(0, dtype=torch.long)
    return out


def state_dict_to_paddle(state: Mapping[str, torch.Tensor], config: SRNConfig) -> dict[str, np.ndarray]:
    """The inverse of ``paddle_to_state_dict``: PaddleOCR's names, layouts and order."""
    out = {}
    for ours, paddle_key, transpose in paddle_name_map(config):
        array = state[ours].detach().float().cpu().numpy()
        out[paddle_key] = np.ascontiguousarray(array.T if transpose else array)
    return out


def load_paddle_state_dict(
    path: str | os.PathLike, config: SRNConfig | None = None
) -> dict[str, torch.Tensor]:
    """Read a PaddleOCR SRN ``.pdparams`` file as this project's state dict."""
    return paddle_to_state_dict(read_pdparams(path), config or SRNConfig(), source=os.fspath(path))


# --------------------------------------------------------------------------------------------------
# Checks and the project's own format
# --------------------------------------------------------------------------------------------------
_SHAPE_MODELS: dict[str, nn.Module] = {}


def _shape_model(config: SRNConfig) -> nn.Module:
    """A model on the meta device: shapes without memory."""
    key = config.to_json()
    if key not in _SHAPE_MODELS:
        from .model import SRN

        with torch.device("meta"):
            _SHAPE_MODELS[key] = SRN(config)
    return _SHAPE_MODELS[key]


def check_state_dict(model: nn.Module, state: Mapping[str, torch.Tensor], source: str = "weights") -> None:
    """Raise ``WeightsMismatchError`` naming every missing, unexpected and mis-shaped key."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    mismatched = [
        (k, tuple(state[k].shape), tuple(own[k].shape))
        for k in own
        if k in state and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or mismatched:
        raise WeightsMismatchError(missing, unexpected, mismatched, source=source)


def save_weights(model: nn.Module, path: str | os.PathLike) -> None:
    """Save ``model``'s state dict and ``model.config`` as one safetensors file."""
    from safetensors.torch import save_file

    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    metadata = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "config": model.config.to_json()}
    save_file(state, os.fspath(path), metadata=metadata)


def load_weights(path: str | os.PathLike) -> tuple[SRNConfig, dict[str, torch.Tensor]]:
    """Read a file written by ``save_weights``: ``(config, state_dict)``."""
    from safetensors import SafetensorError, safe_open

    path = os.fspath(path)
    try:
        with safe_open(path, framework="pt") as f:
            metadata = f.metadata() or {}
            state = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(f"{path} is not an srn_fast weights file (safetensors): {e}") from e
    if metadata.get("format") != FORMAT_NAME or "config" not in metadata:
        raise ValueError(f"{path} is a safetensors file without an srn_fast config in its metadata")
    return SRNConfig.from_json(metadata["config"]), state
