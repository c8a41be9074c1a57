"""The decorator every recipe's main function wears: it reads the YAML config and the overrides."""

import argparse
import functools
import sys

import yaml


def parse(recipe_main):
    """Parse `--config file.yaml key=value ...` and call the recipe's main with the result."""

    @functools.wraps(recipe_main)
    def wrapper():
        parser = argparse.ArgumentParser(description=recipe_main.__doc__)
        parser.add_argument("--config", required=True)
        args, overrides = parser.parse_known_args()
        with open(args.config) as handle:
            config = yaml.safe_load(handle)
        for override in overrides:
            key, value = override.split("=", 1)
            config[key] = yaml.safe_load(value)
        sys.exit(recipe_main(config))

    return wrapper
