"""camsight: detect, track, alert and search on the cameras you already have.

The whole loop, in a few lines (``camsight analyze`` does the same and stores what it finds)::

    from camsight.config import load_config
    from camsight.apps.pipeline import CameraPipeline
    from camsight.perception.detect import OnnxDetector
    from camsight.sources import VideoFile

    config = load_config("site.yaml")                     # cameras, zones, rules (validated, frozen)
    camera = config.cameras[0]
    video = VideoFile("clip.mp4", camera=camera.id, fps=camera.fps)
    pipe = CameraPipeline(config, camera, source="clip.mp4", source_id="clip",
                          wall_origin=video.wall_origin, fps=camera.fps,
                          detector=OnnxDetector(config.detector))
    for frame in video:                                   # Frame: image + the video's own time
        step = pipe.step(frame)                           # motion gate → detect → track → rules
        for event in step.events:                         # typed events: loitering, crowd, ...
            print(event.model_dump_json())

Then ``camsight search "person in a red top"`` ranks the stored track records against a typed
query parsed from the text, with the evidence for each result.
"""

__version__ = "0.1.0"
