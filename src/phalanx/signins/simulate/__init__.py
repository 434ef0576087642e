"""Generated sign-in logs: the example of `phalanx signins demo` and the labelled simulator."""
