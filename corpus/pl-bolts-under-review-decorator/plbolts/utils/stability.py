"""Marks code whose API may still change: calling it warns once."""
import functools
import warnings


def under_review():
    def decorator(cls_or_callable):
        @functools.wraps(cls_or_callable)
        def wrapper(*args, **kwargs):
            warnings.warn(f"{cls_or_callable.__qualname__} is under review", UserWarning, stacklevel=2)
            return cls_or_callable(*args, **kwargs)

        return wrapper

    return decorator
