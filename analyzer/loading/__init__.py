"""Reading and parsing the files sigcheck analyses; every failure becomes a located `LoadError`."""
