"""The physical and human side of a simulation, as SimPy processes.

Drivers (``driver``) with their EVs (``ev``) and daily plans (``profiles``) choose chargers
(``chooser``) from what their eMSP knows and move on a map (``geo``); charge points
(``chargepoint``) and the world that holds them (``world``) are the devices they plug into.
"""
