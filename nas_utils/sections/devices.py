"""The device-code glossary above the report's sections: one sentence giving the hardware behind every
device code on the page (HELP's benchmark devices and the runtimes measured on this machine)."""

from __future__ import annotations

import re


_HARDWARE = {"gold_6226": "Intel Xeon Gold 6226", "gold_6240": "Intel Xeon Gold 6240",
             "silver_4114": "Intel Xeon Silver 4114", "silver_4210r": "Intel Xeon Silver 4210R",
             "pixel2": "Google Pixel 2", "pixel3": "Google Pixel 3", "samsung_a50": "Samsung Galaxy A50",
             "samsung_s7": "Samsung Galaxy S7", "essential_ph_1": "Essential PH-1", "raspi4": "Raspberry Pi 4",
             "eyeriss": "Eyeriss accelerator", "fpga": "FPGA", "1080ti": "NVIDIA GTX 1080 Ti",
             "2080ti": "NVIDIA RTX 2080 Ti", "titanx": "NVIDIA Titan X", "titanxp": "NVIDIA Titan Xp",
             "titan_rtx": "NVIDIA Titan RTX"}


_KINDS = {"cpu": "server CPU", "mobile": "phone", "embedded": "embedded board", "gpu": "GPU", "asic": "ASIC",
          "fpga": "FPGA"}


def device_glossary(names: list[str]) -> str:
    """One sentence explaining every device code on the page (HELP codes and our measured ones)."""
    from nas_utils.latency.benchmark_devices import DEVICES

    parts = []
    for name in dict.fromkeys(names):
        if name in DEVICES:
            d = DEVICES.get(name)
            parts.append(f"`{name}` = {_HARDWARE.get(d.hardware, d.hardware)} ({_KINDS.get(d.kind, d.kind)}, batch "
                         f"{d.batch_size}, HELP measurements)")
        elif m := re.fullmatch(r"(onnxruntime|torch)_(cpu|cuda)(?:_(1t|all))?_(\d+)", name):
            runtime = "ONNX Runtime" if m[1] == "onnxruntime" else "PyTorch eager"
            threads = {"1t": ", 1 thread", "all": ", all threads"}.get(m[3] or "", "")
            parts.append(f"`{name}` = {runtime} on this machine's {m[2].upper()}{threads}, batch {m[4]}")
    return ("**Device codes:** " + "; ".join(parts) + ".") if parts else ""
