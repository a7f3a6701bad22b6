"""Automatic marginalization as pymc-extras spells it: ``marginalize(model, vars)`` marks finite
discrete variables to be summed out of the log density (by the engine, with log-sum-exp), so
``pm.sample`` runs NUTS on the rest; ``recover_marginals(idata)`` returns their posterior draws
and log probabilities per draw ("lp_<name>"), which the engine computes while gathering the
draws. ``pm.sample(marginalize=[...])`` does the same for one run."""

from __future__ import annotations

from typing import Any, Optional, Sequence

from hypatia.model import Model, modelcontext

__all__ = ["marginalize", "recover_marginals"]


def marginalize(model: Optional[Model], rvs_to_marginalize: Any) -> Model:
    """Marks `rvs_to_marginalize` (variables or names) as summed out and returns the model.

    Unlike pymc-extras, which returns a new MarginalModel, the model itself is marked: sampling
    it afterwards marginalizes them. Only discrete free variables with a finite support qualify
    (the engine says which condition fails when sampling)."""
    context = modelcontext(model)
    root = context.root
    names = rvs_to_marginalize if isinstance(rvs_to_marginalize, (list, tuple)) else [rvs_to_marginalize]
    free = {rv.name for rv in root.free_RVs}
    marked = list(getattr(root, "_marginalized", []))
    for item in names:
        name = context._full_name(getattr(item, "name", item))
        if name not in free:
            raise ValueError(f"marginalize: {name!r} is not a free random variable of the model")
        if name not in marked:
            marked.append(name)
    root._marginalized = marked
    return root


def recover_marginals(idata, model: Optional[Model] = None, var_names: Optional[Sequence[str]] = None,
                      return_samples: bool = True, extend_inferencedata: bool = True,
                      random_seed: Any = None):
    """The marginalized variables' draws and log probabilities ("lp_<name>"), which pm.sample
    already stored in the posterior: returns `idata` (or, without `extend_inferencedata`, the
    posterior's variables for them); ``return_samples=False`` keeps only the log probabilities."""
    root = modelcontext(model).root
    names = list(var_names) if var_names is not None else list(getattr(root, "_marginalized", []))
    if not names:
        raise ValueError("recover_marginals: the model has no marginalized variables")
    missing = [n for n in names if f"lp_{n}" not in idata.posterior]
    if missing:
        raise ValueError(f"recover_marginals: {', '.join(missing)} were not marginalized when "
                         "idata was sampled (no lp_<name> in its posterior)")
    if not return_samples:
        idata.posterior = idata.posterior.drop_vars(names)
    if extend_inferencedata:
        return idata
    keep = [f"lp_{n}" for n in names] + ([] if not return_samples else names)
    return idata.posterior[keep]
