-- bench/countdown.lua: the same loop as countdown.mv, for comparison with Lua 5.4.
local function countdown(n)
  while n > 0 do
    n = n - 1
  end
  return n
end

local n = tonumber(arg[1]) or 10000000
print("countdown", n, countdown(n))
