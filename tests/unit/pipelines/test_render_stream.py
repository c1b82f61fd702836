"""A streamed render (frames handed to the writer chunk by chunk) writes exactly what the whole-clip path writes."""

import numpy as np
import torch

from draw_to_video.camera.moves import build_trajectory
from draw_to_video.pipelines.render import render_clip, render_file
from draw_to_video.video.read import read_frames
from draw_to_video.video.write import write_video


def _image(h=72, w=96):
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.stack([np.sin(9 * xx) * 0.4 + 0.5, np.cos(7 * yy) * 0.4 + 0.5, (xx + yy) / 2], -1)
    return torch.from_numpy(img.astype(np.float32))


def test_sink_gets_every_frame_in_order_and_the_result_keeps_none():
    img, cam = _image(), build_trajectory(preset="orbit_left", frames=7, fps=8.0)
    whole = render_clip(img, cam, fill="background", depth_of_field=0.5, motion_blur=0.3)
    got: list[tuple[int, torch.Tensor]] = []
    streamed = render_clip(img, cam, fill="background", depth_of_field=0.5, motion_blur=0.3,
                           sink=lambda i, f: got.append((i, f.clone())))
    assert [i for i, _ in got] == list(range(7))[: len(got)] and sum(len(f) for _, f in got) == 7
    assert torch.equal(torch.cat([f for _, f in got]), whole.frames)
    assert streamed.frames.shape[0] == 0 and streamed.holes.shape[0] == 0
    assert torch.equal(streamed.coverage, whole.coverage)


def test_render_file_streams_to_the_same_pngs_as_the_whole_clip(tmp_path):
    from PIL import Image

    Image.fromarray((_image().numpy() * 255 + 0.5).astype(np.uint8)).save(tmp_path / "in.png")
    info = render_file(tmp_path / "in.png", tmp_path / "streamed", preset="dolly_in", frames=9, fps=8.0,
                       device="cpu")
    img = read_frames(tmp_path / "in.png")[0][0]
    cam = build_trajectory(preset="dolly_in", frames=9, fps=8.0)
    whole = render_clip(torch.from_numpy(img), cam)
    write_video(whole.frames.numpy(), 8.0, tmp_path / "whole")
    a, b = read_frames(info.out)[0], read_frames(tmp_path / "whole")[0]
    assert a.shape == (9, 72, 96, 3) and np.array_equal(a, b)
