from .launch import *
from .train_loop import *
from .defaults import *
