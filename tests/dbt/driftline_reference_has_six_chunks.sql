{{ config(severity='warn', tags=['driftline']) }}
{#- NannyML warns when the reference has fewer than 6 chunks: thresholds learned from so few chunks are
    unreliable. One row per monitor in that state, with the fix. -#}
select monitor, count(*) as reference_chunks,
       'monitor ' || monitor || ': the reference has only ' || cast(count(*) as {{ driftline.driftline_text() }})
         || ' chunks; thresholds from fewer than 6 chunks are unreliable. Fix: use smaller chunks or a longer reference period.' as problem
from {{ ref('driftline_chunks') }}
where period = 'reference'
group by monitor
having count(*) < 6
