{
  "targets": [
    {
      "target_name": "stoq_udp",
      "sources": ["stoq_udp.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", {"type": "none", "sources!": ["stoq_udp.c"]}]]
    }
  ]
}
