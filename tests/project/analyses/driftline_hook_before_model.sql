{{ driftline.driftline_before_model() }}
