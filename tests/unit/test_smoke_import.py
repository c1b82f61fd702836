import draw_to_video
from draw_to_video.camera.path import parse_path


def test_checkout_is_imported():
    assert draw_to_video.WEB_DIRECTORY == "./web"
    p = parse_path('{"version":1,"width":10,"height":10,"strokes":[{"role":"camera","points":[[0.1,0.2]]}]}')
    assert p.camera_stroke().points.shape == (1, 4)
