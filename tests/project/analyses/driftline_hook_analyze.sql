{{ driftline.driftline_analyze(ref('driftline', 'driftline_chunks')) }}
