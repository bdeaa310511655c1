"""Hot reload: a code folder served over the task root, and noticed when it changes.

  task_view   the task root runtimes see: the image's, overlaid with the code folder
  code_watch  polls the code folder for changes
"""
