# Term calendars, closures and each authority's PEP rule set.
