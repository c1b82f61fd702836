"""The pack's jobs as functions, shared by the nodes, the CLI and the Python API (so nodes and commands stay thin).

- :func:`draw_to_video.pipelines.render.render_clip`: an image moved along a camera (2.5D); ``render_file`` and
  ``render_demo`` do the same from files to a video file.
- :func:`draw_to_video.pipelines.svd.encode_with_motion`: SVD image conditioning that follows a camera.
- :func:`draw_to_video.pipelines.svd_diffusers.sample_svd`: the same camera guidance on diffusers' SVD components
  (``load_svd`` reads a local model folder); :func:`draw_to_video.pipelines.generate.generate` (also
  ``draw_to_video.generate``): picture + stroke -> render or SVD -> finish -> video, in one call.
- :func:`draw_to_video.pipelines.finish.finish_clip`: temporal consistency -> interpolation -> effects;
  ``finish_file`` the same from a file to a file (the effect / interpolate / stabilize / finish commands).
- :mod:`draw_to_video.pipelines.inputs`: reading a picture, a drawn path or a camera from files.

Nothing here imports ComfyUI; import the module you need (this package imports nothing itself).
"""
