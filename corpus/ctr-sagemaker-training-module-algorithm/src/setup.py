from setuptools import find_packages, setup

setup(name="xgbalgo", version="0.1", packages=find_packages())
