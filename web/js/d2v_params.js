// Generated from core/params.py by `python -m draw_to_video params --write-widget`: do not edit.
export const D2V_PARAMS = {
 "effect": {
  "intensity": {
   "default": 0.7,
   "max": 1.0,
   "min": 0.0,
   "step": 0.01,
   "type": "float"
  },
  "seed": {
   "default": 0,
   "max": 18446744073709551615,
   "min": 0,
   "type": "int"
  }
 },
 "generate": {
  "backend": {
   "default": "render",
   "options": [
    "render",
    "svd",
    "wan_vace"
   ],
   "type": "choice"
  },
  "cpu_offload": {
   "default": false,
   "type": "bool"
  },
  "decode_chunk_size": {
   "default": 8,
   "max": 256,
   "min": 1,
   "type": "int"
  },
  "denoise": {
   "default": 1.0,
   "max": 1.0,
   "min": 0.0,
   "step": 0.01,
   "type": "float"
  },
  "height": {
   "default": 576,
   "max": 2048,
   "min": 64,
   "step": 64,
   "type": "int"
  },
  "max_guidance_scale": {
   "default": 3.0,
   "max": 20.0,
   "min": 0.0,
   "step": 0.1,
   "type": "float"
  },
  "min_guidance_scale": {
   "default": 1.0,
   "max": 20.0,
   "min": 0.0,
   "step": 0.1,
   "type": "float"
  },
  "seed": {
   "default": 0,
   "max": 18446744073709551615,
   "min": 0,
   "type": "int"
  },
  "steps": {
   "default": 25,
   "max": 500,
   "min": 1,
   "type": "int"
  },
  "svd_fps": {
   "default": 7,
   "max": 60,
   "min": 1,
   "type": "int"
  },
  "width": {
   "default": 1024,
   "max": 2048,
   "min": 64,
   "step": 64,
   "type": "int"
  }
 },
 "interpolate": {
  "multiplier": {
   "default": 2,
   "max": 16,
   "min": 1,
   "type": "int"
  },
  "quality": {
   "default": "balanced",
   "options": [
    "fast",
    "balanced",
    "high"
   ],
   "type": "choice"
  },
  "source_fps": {
   "default": 12.0,
   "max": 1000.0,
   "min": 0.1,
   "step": 0.01,
   "type": "float"
  },
  "target_fps": {
   "default": 0.0,
   "max": 1000.0,
   "min": 0.0,
   "step": 0.01,
   "type": "float"
  }
 },
 "keyframes": {
  "fps": {
   "default": 12.0,
   "max": 1000.0,
   "min": 0.1,
   "step": 0.01,
   "type": "float"
  },
  "frames": {
   "default": 7,
   "max": 240,
   "min": 1,
   "type": "int"
  },
  "include_endpoints": {
   "default": true,
   "type": "bool"
  },
  "resize": {
   "default": false,
   "type": "bool"
  }
 },
 "output": {
  "png_compression": {
   "default": 0,
   "max": 9,
   "min": 0,
   "type": "int"
  }
 },
 "preview_max_frames": 240,
 "prompt": {
  "motion": {
   "default": "smooth",
   "options": [
    "dynamic",
    "smooth",
    "subtle"
   ],
   "type": "choice"
  },
  "style": {
   "default": "cinematic",
   "options": [
    "cinematic",
    "realistic",
    "anime",
    "none"
   ],
   "type": "choice"
  },
  "template": {
   "default": "nature",
   "options": [
    "action",
    "nature",
    "dialogue",
    "product"
   ],
   "type": "choice"
  }
 },
 "render": {
  "depth_kind": {
   "default": "disparity",
   "options": [
    "disparity",
    "depth"
   ],
   "type": "choice"
  },
  "depth_of_field": {
   "default": 0.0,
   "max": 8.0,
   "min": 0.0,
   "step": 0.1,
   "type": "float"
  },
  "fill": {
   "default": "background",
   "options": [
    "background",
    "stretch",
    "none"
   ],
   "type": "choice"
  },
  "max_size": {
   "default": 1536,
   "max": 16384,
   "min": 0,
   "step": 16,
   "type": "int"
  },
  "motion_blur": {
   "default": 0.0,
   "max": 1.0,
   "min": 0.0,
   "step": 0.05,
   "type": "float"
  },
  "move_cap": {
   "default": "auto",
   "options": [
    "auto",
    "off"
   ],
   "type": "choice"
  },
  "overscan": {
   "default": 0.0,
   "max": 4.0,
   "min": 0.0,
   "step": 0.05,
   "type": "float"
  }
 },
 "svd": {
  "augmentation_level": {
   "default": 0.0,
   "max": 10.0,
   "min": 0.0,
   "step": 0.01,
   "type": "float"
  },
  "depth_kind": {
   "default": "disparity",
   "options": [
    "disparity",
    "depth"
   ],
   "type": "choice"
  },
  "fps": {
   "default": 6,
   "max": 1024,
   "min": 1,
   "type": "int"
  },
  "guidance": {
   "default": "dual_clock",
   "options": [
    "off",
    "init",
    "dual_clock"
   ],
   "type": "choice"
  },
  "motion_bucket_id": {
   "default": 0,
   "max": 1023,
   "min": 0,
   "type": "int"
  },
  "recipe": {
   "default": "custom",
   "options": [
    "custom",
    "portrait",
    "landscape",
    "product_360",
    "action"
   ],
   "type": "choice"
  },
  "release": {
   "default": 0.4,
   "max": 1.0,
   "min": 0.0,
   "step": 0.01,
   "type": "float"
  },
  "strength": {
   "default": 1.0,
   "max": 1.0,
   "min": 0.0,
   "step": 0.01,
   "type": "float"
  },
  "video_frames": {
   "default": 0,
   "max": 4096,
   "min": 0,
   "type": "int"
  }
 },
 "temporal": {
  "detail": {
   "default": 0.25,
   "max": 1.0,
   "min": 0.0,
   "step": 0.05,
   "type": "float"
  },
  "sigma": {
   "default": 6.0,
   "max": 100.0,
   "min": 0.5,
   "step": 0.5,
   "type": "float"
  },
  "strength": {
   "default": 1.0,
   "max": 1.0,
   "min": 0.0,
   "step": 0.05,
   "type": "float"
  }
 },
 "track": {
  "fov_deg": {
   "default": 0.0,
   "max": 170.0,
   "min": 0.0,
   "step": 0.1,
   "type": "float"
  }
 },
 "tracks": {
  "count": {
   "default": 24,
   "max": 256,
   "min": 0,
   "type": "int"
  },
  "depth_kind": {
   "default": "disparity",
   "options": [
    "disparity",
    "depth"
   ],
   "type": "choice"
  },
  "seed": {
   "default": 0,
   "max": 2147483647,
   "min": 0,
   "type": "int"
  }
 },
 "trajectory": {
  "aperture": {
   "default": 4.0,
   "max": 64.0,
   "min": 0.5,
   "type": "float"
  },
  "aspect": {
   "default": "native",
   "options": [
    "native",
    "2.39:1",
    "21:9",
    "1.85:1",
    "16:9",
    "4:3"
   ],
   "type": "choice"
  },
  "camera_body": {
   "default": "custom",
   "options": [
    "custom",
    "arri_alexa_35",
    "arri_alexa_mini_lf",
    "red_v_raptor_8k_vv",
    "red_komodo_6k",
    "sony_venice_2_8k",
    "blackmagic_ursa_mini_pro_12k",
    "super35",
    "full_frame"
   ],
   "type": "choice"
  },
  "easing": {
   "default": "auto",
   "options": [
    "auto",
    "linear",
    "ease_in",
    "ease_out",
    "ease_in_out",
    "whip",
    "crash"
   ],
   "type": "choice"
  },
  "focal_length_mm": {
   "default": 35.0,
   "max": 600.0,
   "min": 8.0,
   "step": 1.0,
   "type": "float"
  },
  "fps": {
   "default": 12.0,
   "max": 120.0,
   "min": 1.0,
   "step": 0.5,
   "type": "float"
  },
  "frames": {
   "default": 25,
   "max": 1000,
   "min": 1,
   "type": "int"
  },
  "handheld": {
   "default": 0.0,
   "max": 3.0,
   "min": 0.0,
   "step": 0.05,
   "type": "float"
  },
  "intensity": {
   "default": 1.0,
   "max": 3.0,
   "min": 0.0,
   "step": 0.05,
   "type": "float"
  },
  "lens_kind": {
   "default": "spherical_prime",
   "options": [
    "spherical_prime",
    "spherical_zoom",
    "anamorphic_1.33x",
    "anamorphic_2x"
   ],
   "type": "choice"
  },
  "seed": {
   "default": 0,
   "max": 2147483647,
   "min": 0,
   "type": "int"
  },
  "sensor": {
   "default": "full_frame_36x24",
   "options": [
    "full_frame_36x24",
    "super35_24.9x18.7",
    "aps_c_23.6x15.6",
    "micro_four_thirds_17.3x13",
    "one_inch_13.2x8.8",
    "imax_70mm_70x48.5"
   ],
   "type": "choice"
  },
  "use_drawing_speed": {
   "default": false,
   "type": "bool"
  }
 },
 "wan": {
  "translation_scale": {
   "default": 10.0,
   "max": 100.0,
   "min": 0.0,
   "step": 0.1,
   "type": "float"
  }
 },
 "wan_guide": {
  "depth_kind": {
   "default": "disparity",
   "options": [
    "disparity",
    "depth"
   ],
   "type": "choice"
  },
  "feather": {
   "default": 4.0,
   "max": 64.0,
   "min": 0.0,
   "step": 0.5,
   "type": "float"
  },
  "fill": {
   "default": "background",
   "options": [
    "background",
    "stretch",
    "none"
   ],
   "type": "choice"
  },
  "grow": {
   "default": 8,
   "max": 128,
   "min": 0,
   "type": "int"
  },
  "height": {
   "default": 480,
   "max": 2048,
   "min": 16,
   "step": 16,
   "type": "int"
  },
  "length": {
   "default": 81,
   "max": 121,
   "min": 1,
   "step": 4,
   "type": "int"
  },
  "stretch": {
   "default": 2.0,
   "max": 64.0,
   "min": 1.0,
   "step": 0.1,
   "type": "float"
  },
  "width": {
   "default": 832,
   "max": 2048,
   "min": 16,
   "step": 16,
   "type": "int"
  }
 },
 "wan_vace": {
  "conditioning_scale": {
   "default": 1.0,
   "max": 2.0,
   "min": 0.0,
   "step": 0.05,
   "type": "float"
  },
  "fps": {
   "default": 16,
   "max": 60,
   "min": 1,
   "type": "int"
  },
  "guidance_scale": {
   "default": 5.0,
   "max": 20.0,
   "min": 0.0,
   "step": 0.1,
   "type": "float"
  },
  "guide": {
   "default": "render",
   "options": [
    "render",
    "none"
   ],
   "type": "choice"
  }
 }
};
