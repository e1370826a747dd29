(call receiver: (constant) @name method: (identifier) @_new (#eq? @_new "new")) @ref.new
(call receiver: (_) @object method: (identifier) @name) @ref.call
(call !receiver method: (identifier) @name) @ref.call
