from .launch import *
from .trainer import *
